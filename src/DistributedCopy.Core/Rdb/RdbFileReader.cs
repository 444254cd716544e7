using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace DistributedCopy.Core.Rdb;

/// <summary>
/// Reads an RDB file (versions 1 to 12) front to back: the header, aux fields, database selectors and sizes, expiries,
/// LRU/LFU and slot info (read past), function and module aux payloads (read past, with a note), and each key with its value
/// framed — never decoded — so the value's bytes become a RESTORE payload as they are. Every encoding is framed: plain
/// types, zipmap, ziplist, intset, listpack, quicklist 1 and 2, streams (listpacks v1–v3 with groups, PELs, consumers).
/// The file's CRC64 is checked at its end. Module-typed keys are refused, naming the key.
/// </summary>
internal sealed partial class RdbFileReader(Stream file) : IDisposable
{
    private readonly RdbStream _in = new(file);
    private readonly ArrayBufferWriter<byte> _value = new(1 << 16);

    /// <summary>The file's RDB version (from its header).</summary>
    public int Version { get; private set; }

    /// <summary>Things read past that the operator should know (functions, module data).</summary>
    public List<string> Notes { get; } = [];

    public long Offset => _in.Offset;

    /// <summary>The function libraries' code read so far (they come before the keys).</summary>
    public List<string> Functions { get; } = [];

    public void ReadHeader()
    {
        var magic = _in.ReadBytes(9);
        if (!magic.AsSpan(0, 5).SequenceEqual("REDIS"u8) || !int.TryParse(Encoding.ASCII.GetString(magic, 5, 4), System.Globalization.CultureInfo.InvariantCulture, out var version))
        {
            throw new RdbFileException(0, "not an RDB file (it does not start with REDIS and a 4-digit version)");
        }
        if (version is < 1 or > 12)
        {
            throw new RdbFileException(5, $"RDB version {version} is not one this reader knows (1 to 12)");
        }
        Version = version;
    }

    /// <summary>Goes on at <paramref name="offset"/>, a key boundary (after <see cref="ReadHeader"/>); the checksum at the end is then not checked.</summary>
    public void Seek(long offset) => _in.Seek(offset);

    /// <summary>
    /// The keys, in file order, until the end-of-file record (its checksum checked when read from the start);
    /// <paramref name="database"/> is the one selected where reading starts.
    /// </summary>
    public IEnumerable<RdbEntry> Entries(int database = 0)
    {
        long expiry = -1;
        while (true)
        {
            var at = _in.Offset;
            var opcode = _in.ReadByte();
            switch (opcode)
            {
                case 0xFF:
                    CheckSum(at);
                    yield break;
                case 0xFE:
                    database = (int)ReadLength(out _);
                    break;
                case 0xFD:
                    expiry = BinaryPrimitives.ReadUInt32LittleEndian(_in.ReadBytes(4)) * 1000L;
                    break;
                case 0xFC:
                    expiry = BinaryPrimitives.ReadInt64LittleEndian(_in.ReadBytes(8));
                    break;
                case 0xFB:
                    ReadLength(out _);
                    ReadLength(out _);
                    break;
                case 0xFA:
                    ReadString();
                    ReadString();
                    break;
                case 0xF9:
                    _in.Skip(1);
                    break;
                case 0xF8:
                    ReadLength(out _);
                    break;
                case 0xF7:
                    SkipModuleAux();
                    break;
                case 0xF5:
                    Functions.Add(Encoding.UTF8.GetString(ReadString()));
                    Note("the file holds functions (FUNCTION LOAD libraries): --functions loads them into the target");
                    break;
                case 0xF4:
                    ReadLength(out _);
                    ReadLength(out _);
                    ReadLength(out _);
                    break;
                default:
                    if (opcode >= 0xF4)
                    {
                        throw new RdbFileException(at, $"record type 0x{opcode:X2} is not one this reader knows");
                    }
                    var key = ReadString();
                    yield return new RdbEntry(database, key, opcode, expiry, Value(opcode, key, at), _in.Offset);
                    expiry = -1;
                    break;
            }
        }
    }

    /// <summary>The function libraries, which come before the first key (read up to it, no further).</summary>
    public List<string> FunctionsBeforeKeys()
    {
        using var keys = Entries().GetEnumerator();
        keys.MoveNext();
        return Functions;
    }

    public void Dispose() => _in.Dispose();

    /// <summary>
    /// The file ends with its end-of-file record and (from version 5) a CRC64 of everything before it that matches: a
    /// flipped byte or a cut anywhere is found here, before a key is read. A stored checksum of 0 means none was written.
    /// </summary>
    public static void CheckWhole(string path, int version)
    {
        using var file = File.OpenRead(path);
        var trailer = version >= 5 ? 9 : 1;
        if (file.Length < 9 + trailer)
        {
            throw new RdbFileException(file.Length, "the file is too short to be an RDB file (truncated?)");
        }
        file.Seek(file.Length - trailer, SeekOrigin.Begin);
        if (file.ReadByte() != 0xFF)
        {
            throw new RdbFileException(file.Length - trailer, "the file does not end with an end-of-file record: it is truncated or damaged; nothing was written");
        }
        if (version < 5)
        {
            return;
        }
        file.Seek(0, SeekOrigin.Begin);
        var buffer = new byte[1 << 20];
        ulong crc = 0;
        for (var left = file.Length - 8; left > 0;)
        {
            var read = file.Read(buffer, 0, (int)Math.Min(buffer.Length, left));
            crc = Crc64.Update(crc, buffer.AsSpan(0, read));
            left -= read;
        }
        Span<byte> stored = stackalloc byte[8];
        file.ReadExactly(stored);
        var expected = BinaryPrimitives.ReadUInt64LittleEndian(stored);
        if (expected != 0 && expected != crc)
        {
            throw new RdbFileException(file.Length - 8, $"the file's checksum ({expected:X16}) is not that of its contents ({crc:X16}): it is damaged or truncated; nothing was written");
        }
    }

    /// <summary>The value framed into a RESTORE payload: type, its bytes, the file's version, CRC64 of all before.</summary>
    private ReadOnlyMemory<byte> Value(byte type, byte[] key, long at)
    {
        _value.Clear();
        _value.Write([type]);
        _in.StartCapture(_value);
        try
        {
            SkipValue(type, key, at);
        }
        finally
        {
            _in.StopCapture();
        }
        Span<byte> trailer = stackalloc byte[10];
        BinaryPrimitives.WriteUInt16LittleEndian(trailer, (ushort)Version);
        _value.Write(trailer[..2]);
        BinaryPrimitives.WriteUInt64LittleEndian(trailer[2..], Crc64.Update(0, _value.WrittenSpan));
        _value.Write(trailer[2..]);
        return _value.WrittenMemory;
    }

    private void CheckSum(long at)
    {
        if (Version < 5 || !_in.FromStart)
        {
            return;
        }
        var computed = _in.Crc;
        var stored = BinaryPrimitives.ReadUInt64LittleEndian(_in.ReadBytes(8));
        if (stored != 0 && stored != computed)
        {
            throw new RdbFileException(at + 1, $"the file's checksum ({stored:X16}) is not that of its contents ({computed:X16}): it is damaged");
        }
    }

    private void Note(string note)
    {
        if (!Notes.Contains(note))
        {
            Notes.Add(note);
        }
    }
}

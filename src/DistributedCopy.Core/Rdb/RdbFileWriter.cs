using System.Buffers.Binary;
using System.Text;

namespace DistributedCopy.Core.Rdb;

/// <summary>
/// Writes an RDB file from DUMP payloads: the header at the payloads' RDB version, the database selector, each key as its
/// expiry (ms), its type byte, its name and the payload's value bytes (a DUMP payload is a value as RDB saves it, with
/// the version and a checksum after it), then the end record and the CRC64 of the whole file. A key met twice (SCAN may
/// return one more than once, and Redis refuses a file with a key twice) is written once.
/// </summary>
internal sealed class RdbFileWriter : IDisposable
{
    private readonly Stream _out;
    private readonly int _database;
    private readonly HashSet<(ulong, ulong)> _written = [];
    private ulong _crc;
    private bool _started;

    public RdbFileWriter(string path, int database, int version)
    {
        Path = path;
        _database = database;
        Version = version;
        // written under another name, renamed once complete: a file that stopped half-way never looks like an export
        _out = new BufferedStream(File.Create(path + ".partial"), 1 << 20);
    }

    public string Path { get; }

    /// <summary>The file's RDB version: its first payload's (all payloads of one server share it), else the server's.</summary>
    public int Version { get; private set; }

    public long Keys { get; private set; }

    public long Bytes { get; private set; }

    public void Add(ReadOnlySpan<byte> key, ReadOnlySpan<byte> payload, long expiry)
    {
        if (!_written.Add(Hash(key)))
        {
            return;
        }
        if (!_started)
        {
            Version = Rdb.RdbVersions.OfPayload(payload);
            Start();
        }
        if (expiry >= 0)
        {
            Span<byte> ms = stackalloc byte[9];
            ms[0] = 0xFC;
            BinaryPrimitives.WriteInt64LittleEndian(ms[1..], expiry);
            Write(ms);
        }
        Write(payload[..1]);
        WriteLength(key.Length);
        Write(key);
        Write(payload[1..^Rdb.RdbVersions.TrailerLength]);
        Keys++;
    }

    /// <summary>The end record and the checksum; the file is complete.</summary>
    public void Finish()
    {
        if (!_started)
        {
            Start();
        }
        Write([0xFF]);
        Span<byte> crc = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(crc, _crc);
        _out.Write(crc);
        Bytes += 8;
        _out.Dispose();
        File.Move(Path + ".partial", Path, overwrite: true);
    }

    public void Dispose() => _out.Dispose();

    private void Start()
    {
        _started = true;
        Write(Encoding.ASCII.GetBytes($"REDIS{Version:D4}"));
        Write([0xFE]);
        WriteLength(_database);
    }

    private void WriteLength(long length)
    {
        Span<byte> bytes = stackalloc byte[9];
        int size;
        if (length < 64)
        {
            bytes[0] = (byte)length;
            size = 1;
        }
        else if (length < 16384)
        {
            bytes[0] = (byte)(0x40 | (length >> 8));
            bytes[1] = (byte)length;
            size = 2;
        }
        else if (length <= uint.MaxValue)
        {
            bytes[0] = 0x80;
            BinaryPrimitives.WriteUInt32BigEndian(bytes[1..], (uint)length);
            size = 5;
        }
        else
        {
            bytes[0] = 0x81;
            BinaryPrimitives.WriteUInt64BigEndian(bytes[1..], (ulong)length);
            size = 9;
        }
        Write(bytes[..size]);
    }

    private void Write(ReadOnlySpan<byte> bytes)
    {
        _crc = Crc64.Update(_crc, bytes);
        _out.Write(bytes);
        Bytes += bytes.Length;
    }

    /// <summary>Two independent 64-bit hashes of a key: 128 bits tell keys apart without keeping them.</summary>
    private static (ulong, ulong) Hash(ReadOnlySpan<byte> key)
    {
        ulong a = 14695981039346656037UL, b = 0x9E3779B97F4A7C15UL;
        foreach (var k in key)
        {
            a = (a ^ k) * 1099511628211UL;
            b = (b + k) * 0xFF51AFD7ED558CCDUL;
            b ^= b >> 29;
        }
        return (a, b ^ (ulong)key.Length);
    }
}

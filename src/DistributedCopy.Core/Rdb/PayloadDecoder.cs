using System.Buffers.Binary;
using DistributedCopy.Core.Pipelines;

namespace DistributedCopy.Core.Rdb;

/// <summary>
/// Values for the typed writer taken from the payloads that came with the keys (an RDB file), decoded, not read from a
/// server: how a file reaches a target that cannot RESTORE its RDB version or type.
/// </summary>
internal sealed class PayloadDecoder : ITypedValueReader, IDisposable
{
    private readonly PayloadStream _payload = new();
    private readonly RdbFileReader _reader;

    public PayloadDecoder() => _reader = new RdbFileReader(_payload);

    public ShardConnections? Connections => null;

    public Task ReadAsync(KeyBatch batch, IReadOnlyList<int> keys, TypedValue[] into, CancellationToken cancellationToken)
    {
        for (var k = 0; k < keys.Count; k++)
        {
            try
            {
                Decode(batch.Payload(keys[k]), into[k]);
            }
            catch (CopyException ex)
            {
                throw new CopyException($"key {KeyText.Printable(batch.Key(keys[k]))}: its value cannot be decoded to be written by type: {ex.Message}");
            }
        }
        return Task.CompletedTask;
    }

    /// <summary>A payload (type, value, RDB version in 2 bytes, CRC64 in 8) decoded into <paramref name="into"/>.</summary>
    public void Decode(ReadOnlySpan<byte> payload, TypedValue into)
    {
        _payload.Set(payload[1..^10]);
        _reader.Seek(0);
        _reader.Decode(payload[0], BinaryPrimitives.ReadUInt16LittleEndian(payload[^10..]), into);
    }

    public void Dispose() => _reader.Dispose();

    /// <summary>One payload at a time as a stream for the reader, its buffer reused.</summary>
    private sealed class PayloadStream : Stream
    {
        private byte[] _bytes = new byte[4096];
        private int _length;
        private int _position;

        public override bool CanRead => true;

        public override bool CanSeek => true;

        public override bool CanWrite => false;

        public override long Length => _length;

        public override long Position { get => _position; set => _position = (int)value; }

        public void Set(ReadOnlySpan<byte> payload)
        {
            if (_bytes.Length < payload.Length)
            {
                _bytes = new byte[Math.Max(payload.Length, _bytes.Length * 2)];
            }
            payload.CopyTo(_bytes);
            (_length, _position) = (payload.Length, 0);
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var take = Math.Min(count, _length - _position);
            _bytes.AsSpan(_position, take).CopyTo(buffer.AsSpan(offset));
            _position += take;
            return take;
        }

        public override long Seek(long offset, SeekOrigin origin) => _position = (int)(origin switch { SeekOrigin.Current => _position + offset, SeekOrigin.End => _length + offset, _ => offset });

        public override void Flush()
        {
        }

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}

namespace DistributedCopy.Core.Rdb;

/// <summary>
/// One key of an RDB file: its database, name, expiry (absolute Unix ms; -1 for none), and its value as a RESTORE payload
/// (type byte, the value's bytes as the file holds them, the file's RDB version, CRC64), with the offset after it.
/// </summary>
internal readonly record struct RdbEntry(int Database, byte[] Key, byte Type, long Expiry, ReadOnlyMemory<byte> Payload, long EndOffset);

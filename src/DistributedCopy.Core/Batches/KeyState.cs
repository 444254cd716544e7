namespace DistributedCopy.Core.Batches;

internal enum KeyState : byte
{
    Pending,
    Copied,
    Skipped,
    Vanished,
}

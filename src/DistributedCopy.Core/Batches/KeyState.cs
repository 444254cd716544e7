namespace DistributedCopy.Core.Batches;

internal enum KeyState : byte
{
    Pending,
    Copied,
    Skipped,
    Vanished,

    /// <summary>To be written by type (the target will not RESTORE its payload); ends Copied, Skipped or Vanished.</summary>
    Typed,

    /// <summary>A big key, to be copied by type in chunks under a temporary name; ends Copied, Skipped or Vanished.</summary>
    Chunked,

    /// <summary>To be converted and written under its new name (--preset aspnet-session-v5); ends Copied, Skipped or Vanished.</summary>
    Converted,

    /// <summary>Of a type the filters leave out (--type): not read further, not written, counted as excluded.</summary>
    Excluded,
}

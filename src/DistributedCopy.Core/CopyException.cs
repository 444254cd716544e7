namespace DistributedCopy.Core;

/// <summary>A copy stopped for a reason the operator must act on; the message says what and where, never a password.</summary>
public class CopyException(string message, Exception? inner = null) : Exception(message, inner);

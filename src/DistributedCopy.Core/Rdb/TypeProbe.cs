namespace DistributedCopy.Core.Rdb;

/// <summary>Whether the target RESTOREs payloads of one type the source holds, and the server's word for it.</summary>
public sealed record TypeProbe(string Type, bool Restores, string Reason);

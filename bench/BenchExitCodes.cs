namespace DistributedCopy.Bench;

/// <summary>The benchmark's exit codes.</summary>
public static class BenchExitCodes
{
    /// <summary>Every row ran and every target held what its source held.</summary>
    public const int Success = 0;

    /// <summary>A row's target key count differs from its source's: that row's figures are not a copy's.</summary>
    public const int CountMismatch = 1;

    /// <summary>An unknown command word; nothing was started.</summary>
    public const int BadInput = 2;

    /// <summary>redis-server is not installed and could not be installed here.</summary>
    public const int RedisMissing = 3;
}

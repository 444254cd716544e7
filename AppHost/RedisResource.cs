namespace DistributedCopy.AppHost;

/// <summary>A Redis with a password: a secret parameter in the manifest, generated for each local run.</summary>
public sealed class RedisResource(string name) : Resource(name)
{
    /// <summary>The secret parameter that holds the password (parameter.v0, secret: true, in the manifest).</summary>
    public string PasswordParameter => $"{Name}-password";

    /// <summary>The placeholder for the password's value; replaced by the real one when run.</summary>
    public string Password => $"{{{PasswordParameter}.value}}";

    /// <summary>The environment variable a DistributedCopy process reads this Redis's password from.</summary>
    public string PasswordVariable => $"DCOPY_{Name.ToUpperInvariant()}_PASSWORD";
}

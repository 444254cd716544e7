namespace DistributedCopy.Testing;

// RedisServer, part 3: RDB files as Redis itself writes and reads them.
public sealed partial class RedisServer
{
    /// <summary>SAVE, then the file copied out of the server's directory to a new temporary path, which is returned.</summary>
    public async Task<string> SaveToFileAsync()
    {
        await ExecuteAsync("SAVE");
        var file = Path.Combine(Path.GetTempPath(), "dcopy-tests", $"dump-{Guid.NewGuid():N}.rdb");
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        File.Copy(Path.Combine(DataDirectory, "dump.rdb"), file);
        return file;
    }

    /// <summary>A server holding what Redis itself loads from <paramref name="rdb"/> (DEBUG RELOAD NOSAVE): the reference a load is compared with.</summary>
    public static async Task<RedisServer> StartOnFileAsync(byte[] rdb)
    {
        var server = await StartAsync(new RedisServerOptions { ExtraConfig = ["enable-debug-command yes"] });
        await File.WriteAllBytesAsync(Path.Combine(server.DataDirectory, "dump.rdb"), rdb);
        var reloaded = await server.ExecuteAsync("DEBUG", "RELOAD", "NOSAVE");
        if (reloaded != "OK")
        {
            await server.DisposeAsync();
            throw new InvalidOperationException("redis-server did not load the file: " + reloaded);
        }
        return server;
    }
}

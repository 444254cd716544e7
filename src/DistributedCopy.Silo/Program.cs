using System.CommandLine;
using DistributedCopy.Silo;

// A silo of a DistributedCopy cluster: joins through the control Redis, hosts coordinator and worker grains.
// `DistributedCopy.Silo --help` lists the options, each with its DCOPY_* environment fallback. Job passwords given to dcopy
// as references (env:NAME, file:PATH) are resolved from this process's environment and files.
var parse = SiloCommand.Create().Parse(args);
if (parse.Errors.Count > 0)
{
    // one line, whatever the parser's message looks like
    Console.Error.WriteLine("dcopy-silo: " + string.Join(' ', parse.Errors[0].Message.Split((char[])['\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        + " (--help lists the options)");
    return SiloExitCodes.BadInput;
}
return await parse.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });

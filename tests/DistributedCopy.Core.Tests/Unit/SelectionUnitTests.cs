using System.Text;

namespace DistributedCopy.Core.Tests.Unit;

/// <summary>Globs as Redis reads them, renames over a key's bytes, database maps: without a server.</summary>
public sealed class SelectionUnitTests
{
    [Theory]
    [InlineData("app:*", "app:1", true)]
    [InlineData("app:*", "ap:1", false)]
    [InlineData("*", "", true)]
    [InlineData("a*b*c", "axxbyyc", true)]
    [InlineData("a*b*c", "axxbyy", false)]
    [InlineData("h?llo", "hello", true)]
    [InlineData("h?llo", "hllo", false)]
    [InlineData("h[ae]llo", "hallo", true)]
    [InlineData("h[ae]llo", "hillo", false)]
    [InlineData("h[^e]llo", "hallo", true)]
    [InlineData("h[^e]llo", "hello", false)]
    [InlineData("h[a-c]llo", "hbllo", true)]
    [InlineData("h[a-c]llo", "hdllo", false)]
    [InlineData("h\\*llo", "h*llo", true)]
    [InlineData("h\\*llo", "hello", false)]
    [InlineData("*:tmp:*", "user:tmp:9", true)]
    public void GlobsMatchAsRedisReadsThem(string pattern, string key, bool matches) =>
        Assert.Equal(matches, Glob.Matches(Encoding.UTF8.GetBytes(pattern), Encoding.UTF8.GetBytes(key)));

    [Fact]
    public void AGlobMatchesBinaryKeys()
    {
        Assert.True(Glob.Matches([(byte)'b', (byte)'i', (byte)'n', (byte)'?', 0xff, (byte)'*'], [(byte)'b', (byte)'i', (byte)'n', 0, 0xff, 1, 2]));
        Assert.False(Glob.Matches([(byte)'b', (byte)'i', (byte)'n', (byte)'?', 0xfe, (byte)'*'], [(byte)'b', (byte)'i', (byte)'n', 0, 0xff, 1, 2]));
        Assert.True(Glob.Matches("bin*"u8, [(byte)'b', (byte)'i', (byte)'n', 0, 0xff]));
    }

    [Fact]
    public void TheFirstRuleThatMatchesNamesTheKeyAndBinaryKeysRoundTrip()
    {
        var selection = KeySelection.Parse([], [], ["^app1:(.*)$=moved:{$1}", "^app1=never", "^bin\\x00=bin-"], []);

        Assert.Equal("moved:{x:1}", Encoding.UTF8.GetString(selection.Rename("app1:x:1"u8)!));
        Assert.Null(selection.Rename("app2:x"u8));
        Assert.Equal(new byte[] { (byte)'b', (byte)'i', (byte)'n', (byte)'-', 0xff, 0x80 }, selection.Rename([(byte)'b', (byte)'i', (byte)'n', 0, 0xff, 0x80]));
    }

    [Fact]
    public void ARuleInUtf8MatchesAndWritesThatTextsBytesAndAnEscapedEqualsSignIsPartOfTheRegex()
    {
        var selection = KeySelection.Parse([], [], ["^café=tea", "^a\\=b=c"], []);

        Assert.Equal("tea:1"u8.ToArray(), selection.Rename(Encoding.UTF8.GetBytes("café:1")));
        Assert.Equal("c:1"u8.ToArray(), selection.Rename("a=b:1"u8));
    }

    [Fact]
    public void MatchThenExcludeDecideWhichKeysAreTaken()
    {
        var selection = KeySelection.Parse(["app1:*", "bin*"], ["app1:tmp:*"], [], []);

        Assert.True(selection.Selects("app1:x"u8));
        Assert.True(selection.Selects("bin"u8));
        Assert.False(selection.Selects("app1:tmp:x"u8));
        Assert.False(selection.Selects("app2:x"u8));
        Assert.True(KeySelection.All.Selects("anything"u8));
    }

    [Theory]
    [InlineData("--rename", "(unclosed=x", "the regex is not valid")]
    [InlineData("--rename", "no-equals-sign", "expected REGEX=REPLACEMENT")]
    [InlineData("--db-map", "1=0,1=2", "names database 1 twice")]
    [InlineData("--db-map", "one=0", "expected SOURCE=TARGET")]
    public void BadRulesAreRefusedSayingWhy(string option, string rule, string expected)
    {
        var error = Assert.Throws<ArgumentException>(() => option == "--rename" ? KeySelection.Parse([], [], [rule], []) : KeySelection.Parse([], [], [], [rule]));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DatabaseMapsNameWhereEachDatabaseGoes()
    {
        var selection = KeySelection.Parse([], [], [], ["1=0, 2=0", "3=5"]);

        Assert.Equal(0, selection.TargetDatabase(2));
        Assert.Equal(5, selection.TargetDatabase(3));
        Assert.Null(selection.TargetDatabase(4));
        Assert.False(selection.ExtrasComparable);
    }
}

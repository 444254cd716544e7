using DistributedCopy.Testing;

namespace DistributedCopy.Core.Tests.Unit;

/// <summary>The session conversion against the worked examples of docs/aspnet-session-v5.md.</summary>
public sealed class AspNetSessionUnitTests
{
    [Fact]
    public void TwoItemsBecomeTheCollectionOfTheNotesWorkedExample()
    {
        var (count, name) = (OldSessions.Int32(42), OldSessions.String("bob"));
        Assert.Equal((54, 27), (count.Length, name.Length));

        var blob = AspNetSessionV5.Convert([("count"u8.ToArray(), count), ("name"u8.ToArray(), name)])!;

        Assert.Equal(110, blob.Length);
        Assert.Equal(Convert.FromHexString("02000000FFFFFFFF05636F756E74046E616D65370000005300000014"), blob[..28]);
        Assert.Equal(count, blob[28..82]);
        Assert.Equal(0x14, blob[82]);
        Assert.Equal(name, blob[83..]);
    }

    [Fact]
    public void TheOldNullMarkerBecomesTheNullTagAndNamesEqualButForCaseKeepTheFirst()
    {
        var blob = AspNetSessionV5.Convert([("a"u8.ToArray(), OldSessions.Null()), ("A"u8.ToArray(), OldSessions.Int32(1)), ("b"u8.ToArray(), OldSessions.Int32(2))])!;

        var items = SessionCollectionReader.Read(blob);
        Assert.Equal(["a", "b"], items.Select(i => i.Name));
        Assert.Equal((21, 0), (items[0].Tag, items[0].Payload.Length));
        Assert.Equal(OldSessions.Int32(2), items[1].Payload);
    }

    [Fact]
    public void ValuesAnotherSerializerWroteAreNotConvertedAndAnEmptyCollectionIsFourZeroBytes()
    {
        Assert.Null(AspNetSessionV5.Convert([("x"u8.ToArray(), "{\"json\":1}"u8.ToArray())]));
        Assert.Equal(new byte[4], AspNetSessionV5.Convert([]));
    }

    [Theory]
    [InlineData("{MyApp_abc123}_Data", "{MyApp_abc123}_SessionStateItemCollection")]
    [InlineData("{/MyApp_abc123}_Internal", "{/MyApp_abc123}_SessionTimeout")]
    [InlineData("other:{x}_Data", null)]
    public void KeysAreRenamedAsThe50ProviderNamesThem(string old, string? renamed)
    {
        var selection = KeySelection.Parse([], [], [], [], AspNetSessionV5.Name);

        Assert.Equal(renamed, selection.Rename(System.Text.Encoding.UTF8.GetBytes(old)) is { } name ? System.Text.Encoding.UTF8.GetString(name) : null);
        Assert.False(selection.Selects("{MyApp_abc123}_Write_Lock"u8));
        Assert.True(selection.Selects("{MyApp_abc123}_Data"u8));
    }
}

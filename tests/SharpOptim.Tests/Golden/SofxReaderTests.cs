using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using Xunit;

namespace SharpOptim.Tests.Golden;

/// <summary>
/// The <c>.sofx</c> reader against the layout tools/golden/fixture_format.py writes (and
/// tools/golden/README.md documents): files built here byte by byte from that description.
/// </summary>
public class SofxReaderTests
{
    private static readonly double[] Doubles = [1.5, -0.0, double.Epsilon, double.NaN, -1e300];
    private static readonly float[] Singles = [0.1f, float.NegativeInfinity];

    /// <summary>A .sofx of <paramref name="header"/> and the two sections, byte-shuffled, counts as given.</summary>
    private static string Write(string header, double[] f64, float[] f32, string magic = "SOFX", int? f64Count = null)
    {
        var text = Encoding.UTF8.GetBytes(header);
        using var payload = new MemoryStream();
        payload.Write(Encoding.ASCII.GetBytes(magic));
        foreach (int n in new[] { 1, text.Length, f64Count ?? f64.Length, f32.Length })
        {
            var word = new byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(word, n);
            payload.Write(word);
        }
        payload.Write(text);
        payload.Write(Shuffled(f64.SelectMany(v => { var b = new byte[8]; BinaryPrimitives.WriteDoubleLittleEndian(b, v); return b; }).ToArray(), 8));
        payload.Write(Shuffled(f32.SelectMany(v => { var b = new byte[4]; BinaryPrimitives.WriteSingleLittleEndian(b, v); return b; }).ToArray(), 4));
        var path = Path.Combine(Path.GetTempPath(), $"sofx-{Guid.NewGuid():N}.sofx");
        using (var file = File.Create(path))
        using (var gzip = new GZipStream(file, CompressionLevel.Optimal))
            gzip.Write(payload.ToArray());
        return path;
    }

    /// <summary>The writer's shuffle: every value's byte k, for k = 0, 1, ...</summary>
    private static byte[] Shuffled(byte[] bytes, int width)
    {
        int count = bytes.Length / width;
        var planes = new byte[bytes.Length];
        for (int k = 0; k < width; k++)
            for (int i = 0; i < count; i++) planes[k * count + i] = bytes[i * width + k];
        return planes;
    }

    private static void AssertBits(double[] expected, double[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.Equal(BitConverter.DoubleToInt64Bits(expected[i]), BitConverter.DoubleToInt64Bits(actual[i]));
    }

    [Fact]
    public void ReferencesTakeTheirSectionsInDocumentOrderAndRepeatsPointBack()
    {
        var path = Write("""{"w":{"$f64":2},"steps":[{"g":{"$f32":2}},{"g":{"$f64":3}}],"again":{"$f64":2,"$at":0},"kwargs":{"betas":[0.9,0.999]}}""",
                         Doubles, Singles);
        try
        {
            var root = Fixture.LoadFile(path);
            AssertBits([1.5, -0.0], Fixture.Numbers(root["w"]));
            AssertBits([0.1f, double.NegativeInfinity], Fixture.Numbers(root["steps"]![0]!["g"]));
            AssertBits([double.Epsilon, double.NaN, -1e300], Fixture.Numbers(root["steps"]![1]!["g"]));
            AssertBits([1.5, -0.0], Fixture.Numbers(root["again"]));
            Assert.True(Fixture.IsNumbers(root["w"]));
            Assert.False(Fixture.IsNumbers(root["kwargs"]));
            AssertBits([0.9, 0.999], Fixture.Numbers(root["kwargs"]!["betas"])); // Python values stay JSON
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void AFileThatIsNotSofxIsRefused()
    {
        var path = Write("""{"w":{"$f64":5}}""", Doubles, [], magic: "JSON");
        try { Assert.Throws<InvalidDataException>(() => Fixture.LoadFile(path)); }
        finally { File.Delete(path); }
    }

    /// <summary>Values no reference takes, or a reference past its section, mean the header and the sections disagree.</summary>
    [Fact]
    public void HeaderAndSectionsMustAgree()
    {
        var unused = Write("""{"w":{"$f64":4}}""", Doubles, []);
        var overrun = Write("""{"w":{"$f64":3},"v":{"$f64":3}}""", Doubles, []);
        try
        {
            Assert.Contains("no reference uses", Assert.Throws<InvalidDataException>(() => Fixture.LoadFile(unused)).Message);
            Assert.Contains("outside its section", Assert.Throws<InvalidDataException>(() => Fixture.LoadFile(overrun)).Message);
        }
        finally
        {
            File.Delete(unused);
            File.Delete(overrun);
        }
    }
}

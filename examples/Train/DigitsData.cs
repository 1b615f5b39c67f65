using System.Globalization;
using System.IO.Compression;

namespace SharpOptim.Examples.Train;

/// <summary>
/// The UCI "Optical Recognition of Handwritten Digits" test set as shipped by scikit-learn
/// (see NOTICE.md): 1797 rows, each 64 pixel counts (0–16, an 8×8 image) then the label (0–9).
/// </summary>
public sealed class DigitsData
{
    public const int Features = 64;
    public const int Classes = 10;

    /// <summary>Pixels scaled to [0, 1] (divided by 16), row-major, <c>Count × 64</c>.</summary>
    public float[] X { get; }

    /// <summary>Labels 0–9.</summary>
    public long[] Y { get; }

    public int Count => Y.Length;

    private DigitsData(float[] x, long[] y)
    {
        X = x;
        Y = y;
    }

    /// <summary>The copy of <c>data/digits.csv.gz</c> placed next to the program by the build.</summary>
    public static string DefaultPath => Path.Combine(AppContext.BaseDirectory, "data", "digits.csv.gz");

    /// <summary>Reads the gzipped CSV (no header, 65 comma-separated integers a line).</summary>
    public static DigitsData Load(string? path = null)
    {
        path ??= DefaultPath;
        if (!File.Exists(path))
            throw new FileNotFoundException($"Digits data not found at '{path}'. It is copied there from data/digits.csv.gz when the example is built.", path);

        var x = new List<float>(1797 * Features);
        var y = new List<long>(1797);
        using var file = File.OpenRead(path);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var reader = new StreamReader(gzip);
        int lineNo = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNo++;
            if (line.Length == 0) continue;
            var fields = line.Split(',');
            if (fields.Length != Features + 1)
                throw new InvalidDataException($"{path}:{lineNo}: expected {Features + 1} values, found {fields.Length}");
            for (int j = 0; j < Features; j++)
                x.Add(ParseInt(fields[j], path, lineNo) / 16f);
            int label = ParseInt(fields[Features], path, lineNo);
            if (label is < 0 or >= Classes)
                throw new InvalidDataException($"{path}:{lineNo}: label {label} is not a digit");
            y.Add(label);
        }
        return new DigitsData([.. x], [.. y]);
    }

    private static int ParseInt(string s, string path, int lineNo) =>
        int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v)
            ? v
            : throw new InvalidDataException($"{path}:{lineNo}: '{s}' is not an integer");

    /// <summary>
    /// The fixed 80/20 split: <c>perm = Torch.RandPerm(Count, new Generator(0))</c>; the first
    /// <c>floor(0.8 · Count)</c> indices of <c>perm</c> are the training set (1437 rows), the rest
    /// the test set (360 rows). The split uses its own generator seeded with 0, so it is the same
    /// for every <c>--seed</c> (which only changes initialisation and batch order).
    /// </summary>
    public (Split Train, Split Test) SplitTrainTest(double trainFraction = 0.8, long splitSeed = 0)
    {
        var perm = Torch.RandPerm(Count, new Generator(splitSeed)).ToArray<long>();
        int nTrain = (int)Math.Floor(trainFraction * Count);
        return (Take(perm.AsSpan(0, nTrain)), Take(perm.AsSpan(nTrain)));
    }

    private Split Take(ReadOnlySpan<long> rows)
    {
        var x = new float[rows.Length * Features];
        var y = new long[rows.Length];
        for (int i = 0; i < rows.Length; i++)
        {
            int r = (int)rows[i];
            X.AsSpan(r * Features, Features).CopyTo(x.AsSpan(i * Features));
            y[i] = Y[r];
        }
        return new Split(Torch.Tensor(x, [rows.Length, Features]), Torch.Tensor(y, [rows.Length]), y);
    }
}

/// <summary>One side of the split: features <c>[n, 64]</c> (float32), labels <c>[n]</c> (int64), and the labels as an array.</summary>
public sealed record Split(Tensor X, Tensor Y, long[] Labels)
{
    public int Count => Labels.Length;
}

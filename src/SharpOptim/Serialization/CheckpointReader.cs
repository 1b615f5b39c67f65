using System.Globalization;
using System.Text;

namespace SharpOptim.Serialization;

/// <summary>Reads a PyTorch zip checkpoint: the archive's records, the version check, then <c>data.pkl</c> through the restricted unpickler.</summary>
internal static class CheckpointReader
{
    /// <summary>PyTorch 2.14 reads file format versions 1 to 10 (caffe2/serialize/versions.h).</summary>
    private const int MinVersion = 1, MaxVersion = 10;

    public static object? Load(Stream stream)
    {
        if (!stream.CanSeek)
        {
            // The zip directory sits at the end: read a pipe or network stream fully first
            // (as much memory as the stream really delivers, never more).
            var copy = new MemoryStream();
            stream.CopyTo(copy);
            copy.Position = 0;
            stream = copy;
        }
        try
        {
            return LoadSeekable(stream);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or IndexOutOfRangeException or OverflowException
                                   or InvalidCastException or NotSupportedException or KeyNotFoundException or FormatException or EndOfStreamException)
        {
            // A safety net: every malformed input should already have met an explicit check
            // (the fuzz tests require exactly that); none may escape as another exception type.
            throw new CheckpointFormatException($"The checkpoint is malformed: {e.Message}", e);
        }
    }

    private static object? LoadSeekable(Stream stream)
    {
        var zip = TorchZipReader.Open(stream);
        CheckVersion(zip);
        bool littleEndian = ByteOrder(zip);
        if (!zip.Has("data.pkl")) throw new CheckpointFormatException($"The checkpoint has no {zip.ArchiveName}/data.pkl record (is it a TorchScript archive or another zip file?).");
        var pickle = zip.Read("data.pkl");
        var raw = new Unpickler(pickle, new TensorRebuilder(zip, littleEndian)).Load();
        return new LoadedValueConverter().Convert(raw);
    }

    private static void CheckVersion(TorchZipReader zip)
    {
        string name = zip.Has(".data/version") ? ".data/version" : "version";
        if (!zip.Has(name)) throw new CheckpointFormatException($"The checkpoint has no {zip.ArchiveName}/version record.");
        if (zip.SizeOf(name) > 32) throw new CheckpointFormatException("The checkpoint's version record is too long.");
        var text = Encoding.ASCII.GetString(zip.Read(name)).Trim();
        if (!ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var version))
            throw new CheckpointFormatException($"Couldn't parse the version {text} as an integer.");
        if (version < MinVersion || version > MaxVersion)
            throw new CheckpointFormatException($"The checkpoint has file format version {version}; PyTorch 2.14 and SharpOptim read versions {MinVersion} to {MaxVersion}.");
    }

    /// <summary>The order of the storages' bytes: the <c>byteorder</c> record, little-endian when absent (PyTorch's default).</summary>
    private static bool ByteOrder(TorchZipReader zip)
    {
        if (!zip.Has("byteorder")) return true;
        if (zip.SizeOf("byteorder") > 16) throw new CheckpointFormatException("The checkpoint's byteorder record is too long.");
        return Encoding.ASCII.GetString(zip.Read("byteorder")) switch
        {
            "little" => true,
            "big" => false,
            var other => throw new CheckpointFormatException($"Unknown endianness type: {other}"),
        };
    }
}

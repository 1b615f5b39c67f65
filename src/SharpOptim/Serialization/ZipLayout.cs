namespace SharpOptim.Serialization;

/// <summary>Signatures and fixed sizes of the zip records a checkpoint uses.</summary>
internal static class ZipLayout
{
    public const uint LocalHeaderSignature = 0x04034b50;
    public const uint CentralHeaderSignature = 0x02014b50;
    public const uint EndSignature = 0x06054b50;
    public const uint Zip64EndSignature = 0x06064b50;
    public const uint Zip64LocatorSignature = 0x07064b50;
    public const int LocalHeaderSize = 30;
    public const int CentralHeaderSize = 46;
    public const int EndSize = 22;
    public const int Zip64EndSize = 56;
    public const int Zip64LocatorSize = 20;
}

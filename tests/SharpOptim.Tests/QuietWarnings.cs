using System.Runtime.CompilerServices;

namespace SharpOptim.Tests;

/// <summary>
/// The tests trigger PyTorch's warnings on purpose and observe them through
/// <see cref="TorchWarnings.Warned"/>; nothing of theirs goes to the console (WarningsTests,
/// which checks the printing, points <see cref="TorchWarnings.Output"/> at a writer of its own).
/// </summary>
internal static class QuietWarnings
{
    [ModuleInitializer]
    internal static void Silence() => TorchWarnings.Output = TextWriter.Null;
}

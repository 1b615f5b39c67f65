// Writes the checkpoints SharpOptim makes for PyTorch to check (tools/golden/check_sharpoptim_files.py):
//   dotnet run --project tools/CheckpointWriter [-- FIXTURES_DIR [OUT_DIR]]
// FIXTURES_DIR defaults to tests/SharpOptim.Tests/Fixtures (PyTorch's checkpoints some cases continue from);
// OUT_DIR to FIXTURES_DIR/checkpoints/sharpoptim_written. Writes one .pt per case and manifest.json.
using System.Text.Json;
using System.Text.Json.Nodes;
using SharpOptim;
using SharpOptim.Tools.CheckpointWriter;

string fixtures = args.Length > 0 ? args[0] : "tests/SharpOptim.Tests/Fixtures";
string output = args.Length > 1 ? args[1] : Path.Combine(fixtures, "checkpoints", "sharpoptim_written");
Directory.CreateDirectory(output);
var manifest = new JsonArray();
foreach (var c in WrittenCheckpoints.Build(fixtures))
{
    string path = Path.Combine(output, c.File);
    Torch.Save(c.Content, path);
    manifest.Add(new JsonObject { ["file"] = c.File, ["checks"] = c.Checks.DeepClone(), ["content"] = WrittenCheckpoints.Tag(c.Content) });
    Console.WriteLine($"{path}: {new FileInfo(path).Length} bytes");
}
File.WriteAllText(Path.Combine(output, "manifest.json"), WrittenCheckpoints.ManifestText(manifest));

#!/usr/bin/env bash
# Packaging check: packs SharpOptim and SharpOptim.Distributed into a local folder feed, checks what
# each package holds (assembly, XML docs, package README, licence files, SourceLink'd symbols),
# then builds and runs README.md's code sample (between its sample markers) as a fresh console
# project outside the repository that gets SharpOptim from that feed and from nowhere else. Any
# failure fails the script, so a packaging regression fails CI.
#
#   tools/pack-test/run.sh [--no-build]   (--no-build: pack what `dotnet build -c Release` built)
set -euo pipefail
cd "$(dirname "$0")/../.."
pack_args=(-c Release)
[ "${1:-}" = "--no-build" ] && pack_args+=(--no-build)

work=$(mktemp -d "${TMPDIR:-/tmp}/sharpoptim-pack-test.XXXXXX")
trap 'rm -rf "$work"' EXIT
feed=$work/feed

fail() { echo "pack-test: $*" >&2; exit 1; }

# The C# code block between <!-- sample:begin --> and <!-- sample:end --> of a Markdown file.
sample_of() {
  awk '/<!-- sample:begin -->/ { on = 1; next } /<!-- sample:end -->/ { on = 0 }
       on && /^```/ { fence = !fence; next } on && fence' "$1"
}

for project in SharpOptim SharpOptim.Distributed; do
  dotnet pack "src/$project/$project.csproj" "${pack_args[@]}" -o "$feed" -nologo -v:q
done
nupkg=$(ls "$feed"/SharpOptim.[0-9]*.nupkg)
version=$(basename "$nupkg" .nupkg); version=${version#SharpOptim.}

# Each package's contents.
for id in SharpOptim SharpOptim.Distributed; do
  package=$feed/$id.$version.nupkg symbols=$feed/$id.$version.snupkg
  [ -f "$package" ] || fail "$id.$version.nupkg was not produced"
  [ -f "$symbols" ] || fail "$id.$version.snupkg (symbols) was not produced"
  # (unzip's output is read whole: grep -q closing the pipe early would fail it under pipefail)
  files=$(unzip -Z1 "$package")
  for f in "lib/net10.0/$id.dll" "lib/net10.0/$id.xml" PACKAGE.md LICENSE NOTICE.md; do
    grep -qxF "$f" <<<"$files" || fail "$id.$version.nupkg lacks $f"
  done
  nuspec=$(unzip -p "$package" "$id.nuspec")
  for field in '<readme>PACKAGE.md</readme>' '<license type="expression">BSD-3-Clause</license>' '<repository type="git" url="' '<description>' '<tags>'; do
    grep -qF "$field" <<<"$nuspec" || fail "$id.nuspec lacks $field"
  done
  grep -qxF "lib/net10.0/$id.pdb" <<<"$(unzip -Z1 "$symbols")" || fail "$id.$version.snupkg lacks lib/net10.0/$id.pdb"
  # SourceLink writes into the PDB a JSON map from the build's source paths to the raw files of
  # the repository at the built commit.
  unzip -p "$symbols" "lib/net10.0/$id.pdb" > "$work/$id.pdb"
  grep -aqF '{"documents":' "$work/$id.pdb" || fail "$id.pdb has no SourceLink map"
done

# The package README carries README.md's sample unchanged.
readme_sample=$(sample_of README.md)
[ -n "$readme_sample" ] || fail "README.md has no code between <!-- sample:begin --> and <!-- sample:end -->"
unzip -p "$nupkg" PACKAGE.md > "$work/PACKAGE.md"
[ "$(sample_of "$work/PACKAGE.md")" = "$readme_sample" ] \
  || fail "the package README's sample (src/SharpOptim/PACKAGE.md) differs from README.md's"

# A fresh console project outside the repository (no Directory.Build.props, no global.json
# above it), restoring only from the local feed into its own package folder, so that no package
# cached from an earlier pack of the same version can stand in.
app=$work/app
mkdir -p "$app"
cat > "$work/nuget.config" <<EOF
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <config><add key="globalPackagesFolder" value="$work/packages" /></config>
  <packageSources><clear /><add key="local" value="$feed" /></packageSources>
</configuration>
EOF
cat > "$app/App.csproj" <<EOF
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <ImplicitUsings>enable</ImplicitUsings>
    <Nullable>enable</Nullable>
    <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include="SharpOptim" Version="[$version]" />
    <PackageReference Include="SharpOptim.Distributed" Version="[$version]" />
  </ItemGroup>
</Project>
EOF
printf '%s\n' "$readme_sample" > "$app/Program.cs"
dotnet build "$app/App.csproj" -c Release -nologo -v:q
(cd "$app" && dotnet bin/Release/net10.0/App.dll) || fail "README.md's sample failed when run against the package"
echo "pack-test: SharpOptim $version and SharpOptim.Distributed $version pack, install from a folder feed and run README.md's sample"

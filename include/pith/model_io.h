// Reading and writing .pith model files (format described in docs/model-format.md).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "pith/model.h"

namespace pith {

struct FormatVersion {
  unsigned major = 0;
  unsigned minor = 0;
};

// Serialises a model (header + protobuf payload). Validates the model first.
std::string serialize_model(const Model& model);

// Parses the bytes of a .pith file. Throws pith::Error: kFormat for bytes that are not a pith
// model or are truncated/corrupted, kVersion for another major version. A newer minor version
// loads, with a message appended to `warnings` (if given).
Model parse_model(std::string_view bytes, std::vector<std::string>* warnings = nullptr);

// Atomic save through write_file_atomically (pith/file_io.h): on failure the previous file (if
// any) is left untouched and no temporary file remains. Throws kIO with the OS reason.
void save_model(const Model& model, const std::filesystem::path& path);

Model load_model(const std::filesystem::path& path, std::vector<std::string>* warnings = nullptr);

// The version a file's header declares, without parsing the payload.
FormatVersion read_format_version(std::string_view bytes);

}  // namespace pith

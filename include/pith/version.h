// The library version and the model-format version it writes.
#pragma once

namespace pith {

inline constexpr const char* kVersion = "0.1.0";

// Model files (.pith): a reader refuses another major version and accepts a newer minor one.
inline constexpr unsigned kFormatMajor = 1;
inline constexpr unsigned kFormatMinor = 2;

}  // namespace pith

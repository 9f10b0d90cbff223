// Builds .pith files byte by byte from docs/model-format.md, independently of pith's writer, so
// that tests can make any file a writer might produce: valid, damaged or from another version.
#pragma once

#include <bit>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crc32.h"
#include "pith/error.h"  // before version.h: ErrorCode::kVersion would shadow pith::kVersion
#include "pith/version.h"

namespace pith::test {

// Just enough of the protobuf wire format to write any payload, valid or not.
class Proto {
 public:
  Proto& varint(int field, std::uint64_t value) {
    key(field, 0);
    raw_varint(value);
    return *this;
  }
  Proto& bytes(int field, std::string_view value) {
    key(field, 2);
    raw_varint(value.size());
    out_.append(value);
    return *this;
  }
  Proto& message(int field, const Proto& value) { return bytes(field, value.str()); }
  Proto& packed_doubles(int field, const std::vector<double>& values) {
    std::string packed;
    for (const double v : values) append_le(packed, std::bit_cast<std::uint64_t>(v), 8);
    return bytes(field, packed);
  }
  Proto& fixed64(int field, double value) {
    key(field, 1);
    append_le(out_, std::bit_cast<std::uint64_t>(value), 8);
    return *this;
  }
  const std::string& str() const { return out_; }

  static void append_le(std::string& out, std::uint64_t value, int n_bytes) {
    for (int i = 0; i < n_bytes; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
  }

 private:
  void key(int field, int wire_type) {
    raw_varint(static_cast<std::uint64_t>(field) << 3 | static_cast<std::uint64_t>(wire_type));
  }
  void raw_varint(std::uint64_t value) {
    for (; value >= 0x80; value >>= 7) out_.push_back(static_cast<char>((value & 0x7F) | 0x80));
    out_.push_back(static_cast<char>(value));
  }
  std::string out_;
};

// A K-Means payload field by field; the defaults are a valid model.
struct Spec {
  std::string producer = "pith test";
  bool with_input = true;
  std::uint64_t n_features = 2;
  std::uint64_t dtype = 2;  // DTYPE_FLOAT64
  std::vector<std::string> names = {"x", "y"};
  bool with_kmeans = true;
  std::uint64_t n_clusters = 3;
  std::uint64_t kmeans_n_features = 2;
  std::vector<double> centers = {1, 2, 3, 4, 5, 6};
  double inertia = 12.5;
  std::uint64_t n_iter = 4;
};

// As protobuf writes proto3: fields in number order, zero scalars and empty strings left out.
inline std::string encode(const Spec& s) {
  Proto model;
  if (!s.producer.empty()) model.bytes(1, s.producer);
  if (s.with_input) {
    Proto input;
    if (s.n_features != 0) input.varint(1, s.n_features);
    if (s.dtype != 0) input.varint(2, s.dtype);
    for (const std::string& name : s.names) input.bytes(3, name);
    model.message(2, input);
  }
  if (s.with_kmeans) {
    Proto kmeans;
    if (s.n_clusters != 0) kmeans.varint(1, s.n_clusters);
    if (s.kmeans_n_features != 0) kmeans.varint(2, s.kmeans_n_features);
    if (!s.centers.empty()) kmeans.packed_doubles(3, s.centers);
    if (std::bit_cast<std::uint64_t>(s.inertia) != 0) kmeans.fixed64(4, s.inertia);
    if (s.n_iter != 0) kmeans.varint(5, s.n_iter);
    model.message(16, kmeans);
  }
  return model.str();
}

// Header fields; unset sizes and CRC are computed from the payload.
struct Header {
  std::uint64_t major = 1;
  std::uint64_t minor = kFormatMinor;  // what this pith writes
  std::uint32_t reserved = 0;
  std::string extra;  // bytes a newer minor version appends to the header
  std::optional<std::uint64_t> header_size;
  std::optional<std::uint64_t> payload_size;
  std::optional<std::uint32_t> crc;
};

inline std::string make_file(const std::string& payload,
                             const std::function<void(Header&)>& edit = nullptr) {
  Header h;
  if (edit) edit(h);
  std::string out("\x89PITH\r\n\x1a", 8);
  Proto::append_le(out, h.major, 2);
  Proto::append_le(out, h.minor, 2);
  Proto::append_le(out, h.header_size.value_or(32 + h.extra.size()), 4);
  Proto::append_le(out, h.payload_size.value_or(payload.size()), 8);
  Proto::append_le(out, h.crc.value_or(detail::crc32(payload)), 4);
  Proto::append_le(out, h.reserved, 4);
  return out + h.extra + payload;
}

}  // namespace pith::test

// The WebAssembly binary encoder: LEB128 integers, float constants and section layout, against
// values worked out by hand from the specification.
#include <gtest/gtest.h>

#include <bit>
#include <cstdint>
#include <limits>
#include <vector>

#include "wasm/module.h"

namespace pith::wasm {
namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes uleb(std::uint64_t v) {
  Bytes out;
  append_uleb128(out, v);
  return out;
}

Bytes sleb(std::int64_t v) {
  Bytes out;
  append_sleb128(out, v);
  return out;
}

TEST(Leb128, Unsigned) {
  EXPECT_EQ(uleb(0), (Bytes{0x00}));
  EXPECT_EQ(uleb(127), (Bytes{0x7f}));
  EXPECT_EQ(uleb(128), (Bytes{0x80, 0x01}));
  EXPECT_EQ(uleb(624485), (Bytes{0xe5, 0x8e, 0x26}));  // the example in the LEB128 article
  EXPECT_EQ(uleb(0xffffffffu), (Bytes{0xff, 0xff, 0xff, 0xff, 0x0f}));
}

TEST(Leb128, Signed) {
  EXPECT_EQ(sleb(0), (Bytes{0x00}));
  EXPECT_EQ(sleb(-1), (Bytes{0x7f}));
  EXPECT_EQ(sleb(63), (Bytes{0x3f}));
  EXPECT_EQ(sleb(64), (Bytes{0xc0, 0x00}));  // bit 6 set would read back negative
  EXPECT_EQ(sleb(-64), (Bytes{0x40}));
  EXPECT_EQ(sleb(-65), (Bytes{0xbf, 0x7f}));
  EXPECT_EQ(sleb(-123456), (Bytes{0xc0, 0xbb, 0x78}));
  EXPECT_EQ(sleb(std::numeric_limits<std::int32_t>::min()), (Bytes{0x80, 0x80, 0x80, 0x80, 0x78}));
  EXPECT_EQ(sleb(std::numeric_limits<std::int64_t>::min()).size(), 10u);
}

TEST(Leb128, SignedRoundTrips) {
  for (std::int64_t v : {std::int64_t{1} << 40, -(std::int64_t{1} << 40) + 3, std::int64_t{-2}}) {
    const Bytes b = sleb(v);
    std::int64_t result = 0;
    int shift = 0;
    std::uint8_t byte = 0;
    std::size_t i = 0;
    do {
      byte = b[i++];
      result |= static_cast<std::int64_t>(byte & 0x7f) << shift;
      shift += 7;
    } while (byte & 0x80);
    if (shift < 64 && (byte & 0x40)) result |= -(std::int64_t{1} << shift);
    EXPECT_EQ(result, v);
    EXPECT_EQ(i, b.size());
  }
}

TEST(Constants, ExactLittleEndianBits) {
  Bytes out;
  append_f64(out, 1.0);
  EXPECT_EQ(out, (Bytes{0, 0, 0, 0, 0, 0, 0xf0, 0x3f}));
  out.clear();
  append_f64(out, 0.1);  // 0x3fb999999999999a: every bit kept, no decimal round trip
  EXPECT_EQ(out, (Bytes{0x9a, 0x99, 0x99, 0x99, 0x99, 0x99, 0xb9, 0x3f}));
  out.clear();
  append_f32(out, -0.0f);
  EXPECT_EQ(out, (Bytes{0, 0, 0, 0x80}));
  out.clear();
  append_f64(out, std::numeric_limits<double>::denorm_min());
  EXPECT_EQ(out, (Bytes{1, 0, 0, 0, 0, 0, 0, 0}));
}

TEST(Module, MinimalModuleLayout) {
  Module m;
  Function f;
  f.name = "answer";
  f.type = m.type_index({{}, {ValType::kI32}});
  f.body.i32_const(42);
  m.functions.push_back(f);
  m.exports.push_back({"answer", Export::Kind::kFunction, 0});
  const Bytes expected = {
      0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,  // magic, version 1
      0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f,        // type: () -> i32
      0x03, 0x02, 0x01, 0x00,                          // function 0 has type 0
      0x05, 0x03, 0x01, 0x00, 0x01,                    // memory: min 1 page
      0x07, 0x0a, 0x01, 0x06, 'a',  'n',  's',  'w',  'e', 'r', 0x00, 0x00,  // export
      0x0a, 0x06, 0x01, 0x04, 0x00, 0x41, 0x2a, 0x0b,                        // code: i32.const 42
  };
  EXPECT_EQ(encode(m), expected);
}

TEST(Module, TypesAreInterned) {
  Module m;
  EXPECT_EQ(m.type_index({{ValType::kF64}, {ValType::kF64}}), 0u);
  EXPECT_EQ(m.type_index({{}, {ValType::kI32}}), 1u);
  EXPECT_EQ(m.type_index({{ValType::kF64}, {ValType::kF64}}), 0u);
}

TEST(Module, TextShowsExactConstants) {
  Module m;
  Function f;
  f.name = "c";
  f.type = m.type_index({{}, {ValType::kF64}});
  f.body.f64_const(0.1);
  m.functions.push_back(f);
  const std::string text = to_text(m);
  EXPECT_NE(text.find("f64.const 0.10000000000000001"), std::string::npos) << text;
}

}  // namespace
}  // namespace pith::wasm

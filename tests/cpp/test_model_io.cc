// Tests of the .pith model format: round trips, golden files written by earlier versions, a table
// of malformed files (each must fail with the right code and message, never crash) and atomic save.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <bit>
#include <cmath>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "crc32.h"
#include "model_file_builder.h"
#include "pith/error.h"
#include "pith/model.h"
#include "pith/model_io.h"
#include "pith/version.h"

namespace pith {
namespace {

namespace fs = std::filesystem;
using test::encode;
using test::Header;
using test::make_file;
using test::Proto;
using test::Spec;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kDenormMin = std::numeric_limits<double>::denorm_min();

// ---- Models and comparisons. ------------------------------------------------------------------

Model make_model(DType dtype, std::size_t k, std::size_t d, std::vector<double> centers,
                 std::vector<std::string> names = {}, double inertia = 1.0, int n_iter = 3) {
  Model model;
  model.input = {d, dtype, std::move(names)};
  KMeansModel kmeans;
  kmeans.n_clusters = k;
  kmeans.n_features = d;
  kmeans.centers = std::move(centers);
  kmeans.inertia = inertia;
  kmeans.n_iter = n_iter;
  model.estimator = std::move(kmeans);
  return model;
}

// Doubles compared bit for bit: -0.0 must stay -0.0.
void expect_same(const Model& expected, const Model& actual) {
  EXPECT_EQ(expected.producer, actual.producer);
  EXPECT_EQ(expected.input.n_features, actual.input.n_features);
  EXPECT_EQ(expected.input.dtype, actual.input.dtype);
  EXPECT_EQ(expected.input.feature_names, actual.input.feature_names);
  const auto& a = std::get<KMeansModel>(expected.estimator);
  const auto& b = std::get<KMeansModel>(actual.estimator);
  EXPECT_EQ(a.n_clusters, b.n_clusters);
  EXPECT_EQ(a.n_features, b.n_features);
  ASSERT_EQ(a.centers.size(), b.centers.size());
  for (std::size_t i = 0; i < a.centers.size(); ++i) {
    EXPECT_EQ(std::bit_cast<std::uint64_t>(a.centers[i]),
              std::bit_cast<std::uint64_t>(b.centers[i]))
        << "center " << i << ": " << a.centers[i] << " vs " << b.centers[i];
  }
  EXPECT_EQ(std::bit_cast<std::uint64_t>(a.inertia), std::bit_cast<std::uint64_t>(b.inertia));
  EXPECT_EQ(a.n_iter, b.n_iter);
}

// Runs `f`, which must throw pith::Error with `code` and a message containing `phrase`.
void expect_error(const std::function<void()>& f, ErrorCode code, const std::string& phrase) {
  try {
    f();
    ADD_FAILURE() << "no error; expected one containing \"" << phrase << "\"";
  } catch (const Error& e) {
    EXPECT_EQ(static_cast<int>(e.code()), static_cast<int>(code)) << e.what();
    EXPECT_NE(std::string(e.what()).find(phrase), std::string::npos)
        << "message \"" << e.what() << "\" lacks \"" << phrase << "\"";
  }
}

void expect_parse_error(std::string_view bytes, ErrorCode code, const std::string& phrase) {
  expect_error([&] { parse_model(bytes); }, code, phrase);
}

std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Sends stderr to /dev/null while alive: protobuf logs every string field with invalid UTF-8 it
// meets, which the damage tests below produce by the dozen.
class StderrSilenced {
 public:
  StderrSilenced() : saved_(::dup(STDERR_FILENO)) {
    const int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, STDERR_FILENO);
    ::close(null);
  }
  ~StderrSilenced() {
    ::dup2(saved_, STDERR_FILENO);
    ::close(saved_);
  }
  StderrSilenced(const StderrSilenced&) = delete;
  StderrSilenced& operator=(const StderrSilenced&) = delete;

 private:
  int saved_;
};

void write_bytes(const fs::path& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// ---- Golden files: what they hold is fixed forever (see tests/data/golden/README.md). ---------

const fs::path kGoldenDir = fs::path(PITH_TEST_DATA_DIR) / "golden";

Model golden_float64() {
  Model m = make_model(DType::kFloat64, 3, 2, {1.5, -2.25, 0.1, 1e308, -0.0, kDenormMin},
                       {"x", "y"}, 12.375, 7);
  m.producer = "pith 0.1.0";
  return m;
}

Model golden_float32_nonames() {
  Model m = make_model(DType::kFloat32, 2, 3, {0.25, -4.0, 1024.5, 3.0, 0.0, -7.75}, {}, 0.0, 1);
  m.producer = "pith 0.1.0";
  return m;
}

TEST(Golden, Float64WithNames) {
  std::vector<std::string> warnings;
  expect_same(golden_float64(), load_model(kGoldenDir / "kmeans_v1_0.pith", &warnings));
  EXPECT_TRUE(warnings.empty());
  const auto version = read_format_version(read_bytes(kGoldenDir / "kmeans_v1_0.pith"));
  EXPECT_EQ(version.major, 1u);
  EXPECT_EQ(version.minor, 0u);
}

TEST(Golden, Float32WithoutNames) {
  std::vector<std::string> warnings;
  expect_same(golden_float32_nonames(),
              load_model(kGoldenDir / "kmeans_v1_0_float32_nonames.pith", &warnings));
  EXPECT_TRUE(warnings.empty());
}

TEST(Golden, NewerMinorLoadsWithWarning) {
  // Minor 9, a 40-byte header, reserved = 1 and an unknown field 15 in the payload.
  const fs::path path = kGoldenDir / "kmeans_v1_9_future.pith";
  std::vector<std::string> warnings;
  expect_same(golden_float64(), load_model(path, &warnings));
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("format 1.9"), std::string::npos) << warnings[0];
  EXPECT_NE(warnings[0].find(path.string()), std::string::npos) << warnings[0];
  EXPECT_NO_THROW(parse_model(read_bytes(path)));  // warnings are optional
}

TEST(Golden, OtherMajorIsRefused) {
  const fs::path path = kGoldenDir / "kmeans_v2_0.pith";
  expect_error([&] { load_model(path); }, ErrorCode::kVersion, "written by format 2.0");
  expect_error([&] { load_model(path); }, ErrorCode::kVersion, "reads 1.x");
  expect_error([&] { load_model(path); }, ErrorCode::kVersion, path.string() + ": ");
  EXPECT_EQ(read_format_version(read_bytes(path)).major, 2u);
}

// Not a test: writes the golden files into $PITH_GOLDEN_OUT, once, by hand (see the README there).
// Never point it at tests/data/golden to "update" them; new versions add new files.
TEST(Golden, DISABLED_Write) {
  const char* out = std::getenv("PITH_GOLDEN_OUT");
  ASSERT_NE(out, nullptr) << "set PITH_GOLDEN_OUT to an empty directory";
  const fs::path dir(out);
  Model m64 = golden_float64(), m32 = golden_float32_nonames();
  m64.producer.clear();  // the writer fills in "pith <kVersion>"
  m32.producer.clear();
  const std::string v1_0 = serialize_model(m64);
  write_bytes(dir / "kmeans_v1_0.pith", v1_0);
  write_bytes(dir / "kmeans_v1_0_float32_nonames.pith", serialize_model(m32));
  const std::string payload = v1_0.substr(32);
  write_bytes(dir / "kmeans_v1_9_future.pith",
              make_file(payload + Proto().varint(15, 42).str(), [&](Header& h) {
                h.minor = 9;
                h.reserved = 1;
                h.extra = "future!!";
              }));
  write_bytes(dir / "kmeans_v2_0.pith", make_file(payload, [&](Header& h) { h.major = 2; }));
}

// ---- Round trips. -----------------------------------------------------------------------------

struct RoundTripCase {
  DType dtype;
  bool names;
};

class RoundTrip : public testing::TestWithParam<RoundTripCase> {};

TEST_P(RoundTrip, BytesAndFile) {
  const auto [dtype, names] = GetParam();
  const Model model = make_model(
      dtype, 2, 3, {0.5, -1.0, 2.0, 3.25, 1e-9, -7.0},
      names ? std::vector<std::string>{"a", "b", "ç"} : std::vector<std::string>{}, 4.5, 11);
  Model expected = model;
  expected.producer = std::string("pith ") + kVersion;
  expect_same(expected, parse_model(serialize_model(model)));

  const fs::path path = fs::temp_directory_path() / ("pith_roundtrip." + std::to_string(getpid()));
  save_model(model, path);
  expect_same(expected, load_model(path));
  fs::remove(path);
}

INSTANTIATE_TEST_SUITE_P(Schemas, RoundTrip,
                         testing::Values(RoundTripCase{DType::kFloat32, false},
                                         RoundTripCase{DType::kFloat32, true},
                                         RoundTripCase{DType::kFloat64, false},
                                         RoundTripCase{DType::kFloat64, true}));

TEST(RoundTrip, ExactDoubles) {
  const double max = std::numeric_limits<double>::max();
  const double min_normal = std::numeric_limits<double>::min();
  Model model = make_model(DType::kFloat64, 4, 2,
                           {-0.0, 0.0, kDenormMin, -kDenormMin, 1e308, -1e308, max, min_normal}, {},
                           1e308, 0);
  model.producer = "someone else 2.0";
  const Model back = parse_model(serialize_model(model));
  expect_same(model, back);
  EXPECT_TRUE(std::signbit(std::get<KMeansModel>(back.estimator).centers[0]));
}

TEST(Writer, HeaderLayout) {
  const std::string bytes = serialize_model(golden_float64());
  ASSERT_GT(bytes.size(), 32u);
  EXPECT_EQ(bytes.substr(0, 8), std::string("\x89PITH\r\n\x1a", 8));
  auto u = [&](std::size_t offset, int n) {
    std::uint64_t v = 0;
    for (int i = n - 1; i >= 0; --i) v = v << 8 | static_cast<unsigned char>(bytes[offset + i]);
    return v;
  };
  EXPECT_EQ(u(8, 2), kFormatMajor);
  EXPECT_EQ(u(10, 2), kFormatMinor);
  EXPECT_EQ(u(12, 4), 32u);
  EXPECT_EQ(u(16, 8), bytes.size() - 32);
  EXPECT_EQ(u(24, 4), detail::crc32(std::string_view(bytes).substr(32)));
  EXPECT_EQ(u(28, 4), 0u);
}

TEST(Writer, PayloadIsTheDocumentedEncoding) {
  // The hand encoder follows docs/model-format.md; the writer must produce exactly its bytes.
  Spec spec;
  spec.producer = "pith 0.1.0";
  spec.centers = {1.5, -2.25, 0.1, 1e308, -0.0, kDenormMin};
  spec.inertia = 12.375;
  spec.n_iter = 7;
  EXPECT_EQ(serialize_model(golden_float64()), make_file(encode(spec)));
}

TEST(Writer, ProducerDefaultsToThisPith) {
  Model model = golden_float64();
  model.producer.clear();
  EXPECT_EQ(parse_model(serialize_model(model)).producer, std::string("pith ") + kVersion);
}

TEST(Writer, RefusesInvalidModels) {
  Model bad_names = golden_float64();
  bad_names.input.feature_names = {"x", "\xff"};  // proto3 strings must be UTF-8
  expect_error([&] { serialize_model(bad_names); }, ErrorCode::kInvalidArgument, "UTF-8");
  Model bad_dtype = golden_float64();
  bad_dtype.input.dtype = static_cast<DType>(9);
  expect_error([&] { serialize_model(bad_dtype); }, ErrorCode::kInvalidArgument, "input.dtype");
  Model bad_iter = golden_float64();
  std::get<KMeansModel>(bad_iter.estimator).n_iter = -1;
  expect_error([&] { serialize_model(bad_iter); }, ErrorCode::kInvalidArgument, "kmeans.n_iter");
}

TEST(Model, ValidateModelChecksOverflowBeforeMultiplying) {
  Model model = golden_float64();
  std::get<KMeansModel>(model.estimator).n_clusters =
      std::numeric_limits<std::size_t>::max() / 2 + 1;
  expect_error([&] { validate_model(model); }, ErrorCode::kFormat, "overflows");
  EXPECT_STREQ(estimator_kind(model.estimator), "kmeans");
}

TEST(Crc32, MatchesZlib) {
  EXPECT_EQ(detail::crc32(""), 0u);
  EXPECT_EQ(detail::crc32("123456789"), 0xCBF43926u);  // the standard check value
  EXPECT_EQ(detail::crc32("The quick brown fox jumps over the lazy dog"), 0x414FA339u);
  EXPECT_EQ(detail::crc32(std::string_view("56789"), detail::crc32("1234")), 0xCBF43926u);
}

// ---- Malformed files: one named case per way a file can be wrong. -----------------------------

struct BadCase {
  std::string name;
  std::string bytes;
  ErrorCode code;
  std::string phrase;  // the message must contain it
};

std::ostream& operator<<(std::ostream& out, const BadCase& c) { return out << c.name; }

std::string from_spec(const std::function<void(Spec&)>& edit) {
  Spec spec;
  edit(spec);
  return make_file(encode(spec));
}

std::vector<BadCase> bad_cases() {
  const ErrorCode F = ErrorCode::kFormat, V = ErrorCode::kVersion;
  const std::string valid = make_file(encode(Spec{}));
  const std::string payload = encode(Spec{});
  std::string mangled = valid;  // what a text-mode copy does to the signature
  mangled.erase(5, 1);
  std::string bad_magic = valid;
  bad_magic[4] = 'Z';
  const std::uint64_t n = payload.size();
  return {
      {"Empty", "", F, "empty file"},
      {"OneByteOfMagic", "\x89", F, "truncated"},
      {"OneByteForeign", "{", F, "not a pith model file"},
      {"HeaderOnly31Bytes", valid.substr(0, 31), F, "shorter than the 32-byte header"},
      {"HeaderWithoutPayload", valid.substr(0, 32), F, "truncated"},
      {"BadMagic", bad_magic, F, "not a pith model file"},
      {"TextModeMangled", mangled, F, "line endings"},
      {"Csv", "sepal_length,sepal_width\n5.1,3.5\n4.9,3.0\n", F, "text file"},
      {"Pickle", std::string("\x80\x04\x95\x10\x00\x00\x00\x00\x00\x00\x00", 11) + valid, F,
       "pickle"},
      {"Zeros", std::string(64, '\0'), F, "not a pith model file"},
      {"HeaderSize0", make_file(payload, [&](Header& h) { h.header_size = 0; }), F,
       "header_size: expected >= 32"},
      {"HeaderSize31", make_file(payload, [&](Header& h) { h.header_size = 31; }), F, "found 31"},
      {"HeaderSizeHuge", make_file(payload, [&](Header& h) { h.header_size = 0xFFFFFFFF; }), F,
       "truncated"},
      {"PayloadSize2Pow63", make_file(payload, [&](Header& h) { h.payload_size = 1ull << 63; }), F,
       "expected a payload of 9223372036854775808 bytes"},
      {"PayloadSizeMax", make_file(payload, [&](Header& h) { h.payload_size = ~0ull; }), F,
       "truncated"},
      {"PayloadSizePlusOne", make_file(payload, [&](Header& h) { h.payload_size = n + 1; }), F,
       "found " + std::to_string(n)},
      {"PayloadSizeMinusOne", make_file(payload, [&](Header& h) { h.payload_size = n - 1; }), F,
       "1 bytes of trailing data"},
      {"TrailingGarbage", valid + "garbage", F, "trailing"},
      {"ReservedNonZero", make_file(payload, [&](Header& h) { h.reserved = 1; }), F, "reserved"},
      {"WrongCrc", make_file(payload, [&](Header& h) { h.crc = detail::crc32(payload) ^ 1; }), F,
       "CRC-32"},
      {"GarbagePayloadValidCrc", make_file("\xff\xff\xff\xff\xff"), F, "protobuf"},
      {"LengthPastEndValidCrc", make_file(std::string("\x12\x7f\x08\x02", 4)), F, "protobuf"},
      {"EmptyPayload", make_file(""), F, "input: missing"},
      {"InputWithWrongWireType", make_file(Proto().varint(2, 5).str()), F, "input: missing"},
      {"NoInput", from_spec([](Spec& s) { s.with_input = false; }), F, "input: missing"},
      {"NoEstimator", from_spec([](Spec& s) { s.with_kmeans = false; }), F, "upgrade pith"},
      {"UnknownEstimatorKind",
       make_file(encode([] {
                   Spec s;
                   s.with_kmeans = false;
                   return s;
                 }()) +
                 Proto().message(1000, Proto().varint(1, 3)).str()),
       F, "no estimator this pith version knows (unknown fields: 1000)"},
      {"DtypeUnspecified", from_spec([](Spec& s) { s.dtype = 0; }), F, "DTYPE_UNSPECIFIED"},
      {"DtypeUnknown", from_spec([](Spec& s) { s.dtype = 7; }), F, "unknown code 7"},
      {"NFeatures0", from_spec([](Spec& s) { s.n_features = 0, s.names = {}; }), F,
       "input.n_features: expected >= 1, found 0"},
      {"K0", from_spec([](Spec& s) { s.n_clusters = 0, s.centers = {}; }), F,
       "kmeans.n_clusters: expected >= 1, found 0"},
      {"TooFewCenters", from_spec([](Spec& s) { s.centers.pop_back(); }), F,
       "kmeans.centers: expected n_clusters * n_features = 3 * 2 = 6 values, found 5"},
      {"TooManyCenters", from_spec([](Spec& s) { s.centers.push_back(7); }), F, "found 7"},
      {"HugeK", from_spec([](Spec& s) { s.n_clusters = 1ull << 40; }), F, "values, found 6"},
      {"KTimesDOverflows", from_spec([](Spec& s) { s.n_clusters = 1ull << 63; }), F, "overflows"},
      {"KMeansNFeaturesMismatch", from_spec([](Spec& s) { s.kmeans_n_features = 3; }), F,
       "kmeans.n_features: expected input.n_features = 2, found 3"},
      {"NaNCenter", from_spec([](Spec& s) { s.centers[2] = kNaN; }), F,
       "kmeans.centers[1][0]: expected a finite value, found nan"},
      {"InfCenter", from_spec([](Spec& s) { s.centers[5] = -kInf; }), F, "centers[2][1]"},
      {"NaNInertia", from_spec([](Spec& s) { s.inertia = kNaN; }), F, "kmeans.inertia"},
      {"NegativeInertia", from_spec([](Spec& s) { s.inertia = -1; }), F, "found -1"},
      {"NIterTooLarge", from_spec([](Spec& s) { s.n_iter = 1ull << 31; }), F, "kmeans.n_iter"},
      {"TooManyNames", from_spec([](Spec& s) { s.names.push_back("z"); }), F,
       "input.feature_names: expected 0 or n_features = 2 names, found 3"},
      {"TooFewNames", from_spec([](Spec& s) { s.names.pop_back(); }), F, "found 1"},
      {"DuplicateNames", from_spec([](Spec& s) {
         s.names = {"x", "x"};
       }),
       F, "input.feature_names[1]: duplicate name \"x\""},
      {"EmptyName", from_spec([](Spec& s) { s.names[0] = ""; }), F, "non-empty"},
      {"Major2", make_file(payload, [&](Header& h) { h.major = 2; }), V,
       "written by format 2.2, this pith"},
      {"Major0", make_file(payload, [&](Header& h) { h.major = 0; }), V, "reads 1.x"},
      {"Major65535",
       make_file(payload,
                 [&](Header& h) {
                   h.major = 65535;
                   h.minor = 7;
                 }),
       V, "format 65535.7"},
  };
}

class BadInput : public testing::TestWithParam<BadCase> {};

TEST_P(BadInput, IsRefused) {
  const BadCase& c = GetParam();
  expect_parse_error(c.bytes, c.code, c.phrase);
}

INSTANTIATE_TEST_SUITE_P(Table, BadInput, testing::ValuesIn(bad_cases()),
                         [](const testing::TestParamInfo<BadCase>& param_info) {
                           return param_info.param.name;
                         });

TEST(BadInput, HandEncodedDefaultIsValid) {  // so that each case above fails for its own reason
  expect_same(make_model(DType::kFloat64, 3, 2, {1, 2, 3, 4, 5, 6}, {"x", "y"}, 12.5, 4), [] {
    Model m = parse_model(make_file(encode(Spec{})));
    m.producer.clear();
    return m;
  }());
}

TEST(BadInput, EveryTruncation) {
  const std::string valid = serialize_model(golden_float64());
  for (std::size_t size = 0; size < valid.size(); ++size) {
    SCOPED_TRACE("prefix of " + std::to_string(size) + " bytes");
    expect_parse_error(std::string_view(valid).substr(0, size), ErrorCode::kFormat,
                       size == 0 ? "empty" : "truncated");
  }
}

TEST(BadInput, EveryPayloadBitFlipFailsTheCrc) {
  const std::string valid = serialize_model(golden_float64());
  for (std::size_t bit = 32 * 8; bit < valid.size() * 8; ++bit) {
    std::string bytes = valid;
    bytes[bit / 8] = static_cast<char>(bytes[bit / 8] ^ (1 << (bit % 8)));
    SCOPED_TRACE("bit " + std::to_string(bit));
    expect_parse_error(bytes, ErrorCode::kFormat, "CRC-32");
  }
}

TEST(BadInput, EveryHeaderBitFlip) {
  // The header has no checksum of its own, but every field is cross-checked, except the minor
  // version: a flip there loads the model with a newer-version warning.
  const std::string valid = serialize_model(golden_float64());
  for (std::size_t bit = 0; bit < 32 * 8; ++bit) {
    std::string bytes = valid;
    bytes[bit / 8] = static_cast<char>(bytes[bit / 8] ^ (1 << (bit % 8)));
    SCOPED_TRACE("bit " + std::to_string(bit));
    const std::size_t byte = bit / 8;
    if (byte < 8) {
      expect_parse_error(bytes, ErrorCode::kFormat, "not a pith model file");
    } else if (byte < 10) {
      expect_parse_error(bytes, ErrorCode::kVersion, "written by format");
    } else if (byte < 12) {
      // A newer minor warns; an older one (1.1 -> 1.0) is read as what it claims, silently.
      const unsigned minor = static_cast<unsigned char>(bytes[10]) |
                             static_cast<unsigned>(static_cast<unsigned char>(bytes[11])) << 8;
      std::vector<std::string> warnings;
      EXPECT_NO_THROW(parse_model(bytes, &warnings));
      EXPECT_EQ(warnings.size(), minor > kFormatMinor ? 1u : 0u);
    } else {
      expect_parse_error(bytes, ErrorCode::kFormat, "");
    }
  }
}

TEST(BadInput, PayloadDamageBehindAValidCrcNeverCrashes) {
  // Every bit flip and every truncation of the payload, with the header made consistent again:
  // the protobuf parser and the validation see it all. Each must load or fail with kFormat.
  const std::string valid = serialize_model(golden_float64());
  const std::string payload = valid.substr(32);
  auto check = [&](const std::string& damaged) {
    try {
      validate_model(parse_model(make_file(damaged)));
    } catch (const Error& e) {
      EXPECT_EQ(static_cast<int>(e.code()), static_cast<int>(ErrorCode::kFormat)) << e.what();
    }
  };
  const StderrSilenced silenced;
  for (std::size_t bit = 0; bit < payload.size() * 8; ++bit) {
    std::string damaged = payload;
    damaged[bit / 8] = static_cast<char>(damaged[bit / 8] ^ (1 << (bit % 8)));
    check(damaged);
  }
  for (std::size_t size = 0; size < payload.size(); ++size) check(payload.substr(0, size));
}

// ---- Files on disk. ---------------------------------------------------------------------------

class Files : public testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        fs::temp_directory_path() / ("pith_test_model_io." + std::to_string(getpid()) + "." +
                                     testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Anything a save left behind next to its target.
  std::vector<std::string> temp_files() const {
    std::vector<std::string> found;
    for (const auto& entry : fs::recursive_directory_iterator(dir_)) {
      const std::string name = entry.path().filename().string();
      if (name.find(".tmp.") != std::string::npos) found.push_back(name);
    }
    return found;
  }

  fs::path dir_;
  const Model a_ = golden_float64();
  const Model b_ = golden_float32_nonames();
};

TEST_F(Files, SaveReplacesExistingFile) {
  const fs::path path = dir_ / "model.pith";
  save_model(a_, path);
  save_model(b_, path);
  expect_same(b_, load_model(path));
  EXPECT_EQ(temp_files(), std::vector<std::string>{});
}

TEST_F(Files, SaveIntoMissingDirectoryCreatesNothing) {
  const fs::path path = dir_ / "missing" / "model.pith";
  expect_error([&] { save_model(a_, path); }, ErrorCode::kIO, path.string() + ": ");
  EXPECT_FALSE(fs::exists(dir_ / "missing"));
  EXPECT_TRUE(fs::is_empty(dir_));
}

TEST_F(Files, SaveUnderARegularFileFails) {
  // A read-only directory would not stop root; a parent that is a file stops everyone.
  write_bytes(dir_ / "blocker", "not a directory");
  const fs::path path = dir_ / "blocker" / "model.pith";
  expect_error([&] { save_model(a_, path); }, ErrorCode::kIO, "Not a directory");
  EXPECT_EQ(read_bytes(dir_ / "blocker"), "not a directory");
}

TEST_F(Files, FailedSaveLeavesTheOldFileIntact) {
  const fs::path path = dir_ / "model.pith";
  save_model(a_, path);
  const std::string before = read_bytes(path);
  // A file-size limit makes the write itself fail half-way (EFBIG), as a full disk would.
  struct rlimit old_limit;
  ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &old_limit), 0);
  const auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
  struct rlimit small = old_limit;
  small.rlim_cur = 16;
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &small), 0);
  std::string message;
  try {
    save_model(b_, path);
  } catch (const Error& e) {
    message = e.what();
  }
  setrlimit(RLIMIT_FSIZE, &old_limit);
  std::signal(SIGXFSZ, old_handler);
  EXPECT_NE(message.find(path.string()), std::string::npos) << message;
  EXPECT_EQ(read_bytes(path), before);
  EXPECT_EQ(temp_files(), std::vector<std::string>{});
}

TEST_F(Files, FailedRenameRemovesTheTemporaryFile) {
  // The temporary file is written in full, then cannot replace a non-empty directory.
  const fs::path path = dir_ / "model.pith";
  fs::create_directory(path);
  write_bytes(path / "keep", "contents");
  expect_error([&] { save_model(a_, path); }, ErrorCode::kIO, "cannot rename");
  EXPECT_EQ(read_bytes(path / "keep"), "contents");
  EXPECT_EQ(temp_files(), std::vector<std::string>{});
}

TEST_F(Files, InvalidModelTouchesNothing) {
  const fs::path path = dir_ / "model.pith";
  save_model(a_, path);
  const std::string before = read_bytes(path);
  Model bad = b_;
  std::get<KMeansModel>(bad.estimator).centers.pop_back();
  expect_error([&] { save_model(bad, path); }, ErrorCode::kInvalidArgument, "kmeans.centers");
  EXPECT_EQ(read_bytes(path), before);
  EXPECT_EQ(temp_files(), std::vector<std::string>{});
}

TEST_F(Files, LoadMissingFile) {
  const fs::path path = dir_ / "nope.pith";
  expect_error([&] { load_model(path); }, ErrorCode::kIO, path.string() + ": ");
  expect_error([&] { load_model(path); }, ErrorCode::kIO, "No such file");
}

TEST_F(Files, LoadDirectory) {
  expect_error([&] { load_model(dir_); }, ErrorCode::kIO, dir_.string() + ": ");
  expect_error([&] { load_model(dir_); }, ErrorCode::kIO, "Is a directory");
}

TEST_F(Files, LoadStopsReadingAnEndlessStream) {
  if (!fs::exists("/dev/zero")) GTEST_SKIP() << "no /dev/zero";
  expect_error([&] { load_model("/dev/zero"); }, ErrorCode::kFormat, "not a pith model file");
}

TEST_F(Files, LoadFromAPipe) {
  // Streams are read only as far as the header says; what follows must still be reported.
  const std::string model = serialize_model(a_);
  for (const std::string& bytes : {model, model + "trailing"}) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    ASSERT_EQ(::write(fds[1], bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
    ::close(fds[1]);
    const fs::path path = "/dev/fd/" + std::to_string(fds[0]);
    if (bytes == model) {
      expect_same(a_, load_model(path));
    } else {
      expect_error([&] { load_model(path); }, ErrorCode::kFormat, "trailing data");
    }
    ::close(fds[0]);
  }
}

TEST_F(Files, LoadErrorsNameThePath) {
  const fs::path path = dir_ / "data.csv";
  write_bytes(path, "a,b\n1,2\n");
  expect_error([&] { load_model(path); }, ErrorCode::kFormat,
               path.string() + ": not a pith model file");
}

}  // namespace
}  // namespace pith

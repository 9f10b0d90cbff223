// A WebAssembly module as plain data (types, functions as instruction lists, memory, exports,
// data, custom sections), with its two renderings: the binary format and WAT-like text.
// Only what pith's emitter needs: MVP instructions plus multi-value results.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace pith::wasm {

enum class ValType : std::uint8_t { kI32 = 0x7f, kI64 = 0x7e, kF32 = 0x7d, kF64 = 0x7c };

const char* val_type_name(ValType type);

// Opcodes, by their binary value (WebAssembly core spec, section 5.4).
enum class Opcode : std::uint8_t {
  kBlock = 0x02,
  kLoop = 0x03,
  kIf = 0x04,
  kElse = 0x05,
  kEnd = 0x0b,
  kBr = 0x0c,
  kBrIf = 0x0d,
  kReturn = 0x0f,
  kCall = 0x10,
  kDrop = 0x1a,
  kSelect = 0x1b,
  kLocalGet = 0x20,
  kLocalSet = 0x21,
  kLocalTee = 0x22,
  kI32Load = 0x28,
  kI64Load = 0x29,
  kF32Load = 0x2a,
  kF64Load = 0x2b,
  kI32Store = 0x36,
  kI64Store = 0x37,
  kF32Store = 0x38,
  kF64Store = 0x39,
  kMemorySize = 0x3f,
  kMemoryGrow = 0x40,
  kI32Const = 0x41,
  kI64Const = 0x42,
  kF32Const = 0x43,
  kF64Const = 0x44,
  kI32Eqz = 0x45,
  kI32Eq = 0x46,
  kI32Ne = 0x47,
  kI32LtS = 0x48,
  kI32LtU = 0x49,
  kI32GtS = 0x4a,
  kI32GtU = 0x4b,
  kI32LeU = 0x4d,
  kI32GeU = 0x4f,
  kF32Lt = 0x5d,
  kF32Gt = 0x5e,
  kF32Le = 0x5f,
  kF32Ge = 0x60,
  kF64Ne = 0x62,
  kF64Lt = 0x63,
  kF64Gt = 0x64,
  kF64Le = 0x65,
  kF64Ge = 0x66,
  kI32Add = 0x6a,
  kI32Sub = 0x6b,
  kI32Mul = 0x6c,
  kI32DivS = 0x6d,
  kI32And = 0x71,
  kI32Or = 0x72,
  kI32Xor = 0x73,
  kI32Shl = 0x74,
  kI32ShrU = 0x76,
  kI64Add = 0x7c,
  kI64Shl = 0x86,
  kF32Sqrt = 0x91,
  kF32Add = 0x92,
  kF32Sub = 0x93,
  kF32Mul = 0x94,
  kF32Div = 0x95,
  kF32Min = 0x96,
  kF32Max = 0x97,
  kF64Abs = 0x99,
  kF64Neg = 0x9a,
  kF64Nearest = 0x9e,
  kF64Sqrt = 0x9f,
  kF64Add = 0xa0,
  kF64Sub = 0xa1,
  kF64Mul = 0xa2,
  kF64Div = 0xa3,
  kF64Min = 0xa4,
  kF64Max = 0xa5,
  kI32TruncF64S = 0xaa,
  kI32TruncSatF64S = 0xfc,  // prefix 0xfc, then 2 (non-trapping float-to-int, WebAssembly 2.0)
  kI64ExtendI32S = 0xac,
  kI64ExtendI32U = 0xad,
  kF32DemoteF64 = 0xb6,
  kF64ConvertI32S = 0xb7,
  kF64PromoteF32 = 0xbb,
  kI32ReinterpretF32 = 0xbc,
  kF32ReinterpretI32 = 0xbe,
  kI64ReinterpretF64 = 0xbd,
  kF64ReinterpretI64 = 0xbf,
};

// One instruction: the opcode and whichever immediates it takes (index / integer constant in
// `index`, float constant in `value`, memory access as `align` (log2) + `offset`).
struct Instr {
  Opcode op{};
  std::int64_t index = 0;
  double value = 0.0;
  std::uint32_t align = 0;
  std::uint32_t offset = 0;
};

// Builds an instruction list; one method per instruction shape.
class Code {
 public:
  void op(Opcode op) { instrs_.push_back({op}); }
  void block() { instrs_.push_back({Opcode::kBlock}); }  // blocks never yield values here
  void loop() { instrs_.push_back({Opcode::kLoop}); }
  void if_() { instrs_.push_back({Opcode::kIf}); }
  void else_() { op(Opcode::kElse); }
  void end() { op(Opcode::kEnd); }
  void br(std::uint32_t depth) { instrs_.push_back({Opcode::kBr, depth}); }
  void br_if(std::uint32_t depth) { instrs_.push_back({Opcode::kBrIf, depth}); }
  void call(std::uint32_t function) { instrs_.push_back({Opcode::kCall, function}); }
  void local_get(std::uint32_t local) { instrs_.push_back({Opcode::kLocalGet, local}); }
  void local_set(std::uint32_t local) { instrs_.push_back({Opcode::kLocalSet, local}); }
  void local_tee(std::uint32_t local) { instrs_.push_back({Opcode::kLocalTee, local}); }
  void i32_const(std::int32_t v) { instrs_.push_back({Opcode::kI32Const, v}); }
  void i64_const(std::int64_t v) { instrs_.push_back({Opcode::kI64Const, v}); }
  void f32_const(float v) { instrs_.push_back({Opcode::kF32Const, 0, v}); }
  void f64_const(double v) { instrs_.push_back({Opcode::kF64Const, 0, v}); }
  // A float64 constant in the fewest bytes: small integers as i32.const + f64.convert_i32_s
  // (2 to 4 bytes instead of 9), +0 as the bits of i64 0; the value is the same.
  void f64_value(double v);
  // Loads and stores: natural alignment, the constant part of the address in `offset`.
  void memory(Opcode op, std::uint32_t offset);
  void memory_grow() { instrs_.push_back({Opcode::kMemoryGrow}); }
  void memory_size() { instrs_.push_back({Opcode::kMemorySize}); }

  const std::vector<Instr>& instrs() const { return instrs_; }
  // Removes the last instruction if it is `op` (a peephole for the emitter); true if removed.
  bool drop_last(Opcode op) {
    if (instrs_.empty() || instrs_.back().op != op) return false;
    instrs_.pop_back();
    return true;
  }

 private:
  std::vector<Instr> instrs_;
};

struct FuncType {
  std::vector<ValType> params;
  std::vector<ValType> results;
  bool operator==(const FuncType&) const = default;
};

struct Function {
  std::string name;  // for the text form
  std::uint32_t type = 0;
  std::vector<ValType> locals;  // beyond the parameters
  Code body;                    // without the final `end`
};

struct Import {  // functions only
  std::string module;
  std::string name;
  std::uint32_t type = 0;
};

struct Export {
  enum class Kind : std::uint8_t { kFunction = 0, kMemory = 2 };
  std::string name;
  Kind kind = Kind::kFunction;
  std::uint32_t index = 0;
};

struct DataSegment {
  std::uint32_t offset = 0;
  std::vector<std::uint8_t> bytes;
};

struct CustomSection {
  std::string name;
  std::string bytes;
};

// Function indices count imports first, then `functions`.
struct Module {
  std::vector<FuncType> types;
  std::vector<Import> imports;
  std::vector<Function> functions;
  std::uint32_t memory_pages = 1;  // initial size; no maximum
  std::vector<Export> exports;
  std::vector<DataSegment> data;
  std::vector<CustomSection> custom;

  std::uint32_t type_index(const FuncType& type);  // interned
};

// The binary format (magic, version, sections in the required order).
std::vector<std::uint8_t> encode(const Module& module);

// Text in the WebAssembly text format's flat syntax (readable, and accepted by wat2wasm).
std::string to_text(const Module& module);

// Binary encoding helpers, exposed for the tests.
void append_uleb128(std::vector<std::uint8_t>& out, std::uint64_t value);
void append_sleb128(std::vector<std::uint8_t>& out, std::int64_t value);
void append_f64(std::vector<std::uint8_t>& out, double value);  // little-endian IEEE 754 bits
void append_f32(std::vector<std::uint8_t>& out, float value);

}  // namespace pith::wasm

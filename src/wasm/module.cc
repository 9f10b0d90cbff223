// The binary encoder (LEB128 integers, little-endian IEEE floats, sections) and the text printer
// of pith::wasm::Module. Both walk the same instruction lists, so the text shows what is encoded.
#include "wasm/module.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <initializer_list>
#include <string>
#include <string_view>

#include "pith/error.h"

namespace pith::wasm {

const char* val_type_name(ValType type) {
  switch (type) {
    case ValType::kI32:
      return "i32";
    case ValType::kI64:
      return "i64";
    case ValType::kF32:
      return "f32";
    case ValType::kF64:
      return "f64";
  }
  return "?";
}

void Code::memory(Opcode op, std::uint32_t offset) {
  std::uint32_t align = 3;
  if (op == Opcode::kI32Load || op == Opcode::kF32Load || op == Opcode::kI32Store ||
      op == Opcode::kF32Store) {
    align = 2;
  }
  instrs_.push_back({op, 0, 0.0, align, offset});
}

void Code::f64_value(double v) {
  if (v == 0.0 && !std::signbit(v)) {
    i64_const(0);
    op(Opcode::kF64ReinterpretI64);
  } else if (v == std::trunc(v) && std::abs(v) <= 8191) {  // a 1- or 2-byte LEB128
    i32_const(static_cast<std::int32_t>(v));
    op(Opcode::kF64ConvertI32S);
  } else {
    f64_const(v);
  }
}

std::uint32_t Module::type_index(const FuncType& type) {
  const auto it = std::find(types.begin(), types.end(), type);
  if (it != types.end()) return static_cast<std::uint32_t>(it - types.begin());
  types.push_back(type);
  return static_cast<std::uint32_t>(types.size() - 1);
}

void append_uleb128(std::vector<std::uint8_t>& out, std::uint64_t value) {
  do {
    std::uint8_t byte = value & 0x7f;
    value >>= 7;
    if (value != 0) byte |= 0x80;
    out.push_back(byte);
  } while (value != 0);
}

void append_sleb128(std::vector<std::uint8_t>& out, std::int64_t value) {
  bool more = true;
  while (more) {
    std::uint8_t byte = static_cast<std::uint8_t>(value & 0x7f);
    value >>= 7;  // arithmetic shift (C++20)
    more = !((value == 0 && !(byte & 0x40)) || (value == -1 && (byte & 0x40)));
    if (more) byte |= 0x80;
    out.push_back(byte);
  }
}

void append_f64(std::vector<std::uint8_t>& out, double value) {
  const auto bits = std::bit_cast<std::uint64_t>(value);
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<std::uint8_t>(bits >> (8 * i)));
}

void append_f32(std::vector<std::uint8_t>& out, float value) {
  const auto bits = std::bit_cast<std::uint32_t>(value);
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(bits >> (8 * i)));
}

namespace {

using Bytes = std::vector<std::uint8_t>;

void append_name(Bytes& out, const std::string& name) {
  append_uleb128(out, name.size());
  out.insert(out.end(), name.begin(), name.end());
}

void append_section(Bytes& out, std::uint8_t id, const Bytes& payload) {
  out.push_back(id);
  append_uleb128(out, payload.size());
  out.insert(out.end(), payload.begin(), payload.end());
}

void append_types(Bytes& out, const std::vector<ValType>& types) {
  append_uleb128(out, types.size());
  for (ValType t : types) out.push_back(static_cast<std::uint8_t>(t));
}

void encode_instr(Bytes& out, const Instr& in) {
  out.push_back(static_cast<std::uint8_t>(in.op));
  switch (in.op) {
    case Opcode::kBlock:
    case Opcode::kLoop:
    case Opcode::kIf:
      out.push_back(0x40);  // empty block type
      break;
    case Opcode::kBr:
    case Opcode::kBrIf:
    case Opcode::kCall:
    case Opcode::kLocalGet:
    case Opcode::kLocalSet:
    case Opcode::kLocalTee:
      append_uleb128(out, static_cast<std::uint64_t>(in.index));
      break;
    case Opcode::kI32Const:
    case Opcode::kI64Const:
      append_sleb128(out, in.index);
      break;
    case Opcode::kF32Const:
      append_f32(out, static_cast<float>(in.value));
      break;
    case Opcode::kF64Const:
      append_f64(out, in.value);
      break;
    case Opcode::kI32Load:
    case Opcode::kI64Load:
    case Opcode::kF32Load:
    case Opcode::kF64Load:
    case Opcode::kI32Store:
    case Opcode::kI64Store:
    case Opcode::kF32Store:
    case Opcode::kF64Store:
      append_uleb128(out, in.align);
      append_uleb128(out, in.offset);
      break;
    case Opcode::kMemorySize:
    case Opcode::kMemoryGrow:
      out.push_back(0x00);  // memory index
      break;
    case Opcode::kI32TruncSatF64S:
      out.push_back(0x02);
      break;
    default:
      break;
  }
}

Bytes encode_body(const Function& f) {
  Bytes body;
  // Locals as runs of one type.
  std::vector<std::pair<std::uint32_t, ValType>> runs;
  for (ValType t : f.locals) {
    if (!runs.empty() && runs.back().second == t) {
      ++runs.back().first;
    } else {
      runs.emplace_back(1, t);
    }
  }
  append_uleb128(body, runs.size());
  for (const auto& [count, type] : runs) {
    append_uleb128(body, count);
    body.push_back(static_cast<std::uint8_t>(type));
  }
  for (const Instr& in : f.body.instrs()) encode_instr(body, in);
  body.push_back(static_cast<std::uint8_t>(Opcode::kEnd));
  return body;
}

}  // namespace

std::vector<std::uint8_t> encode(const Module& m) {
  Bytes out = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};
  Bytes s;
  // 1: types
  append_uleb128(s, m.types.size());
  for (const FuncType& t : m.types) {
    s.push_back(0x60);
    append_types(s, t.params);
    append_types(s, t.results);
  }
  append_section(out, 1, s);
  // 2: imports
  if (!m.imports.empty()) {
    s.clear();
    append_uleb128(s, m.imports.size());
    for (const Import& im : m.imports) {
      append_name(s, im.module);
      append_name(s, im.name);
      s.push_back(0x00);
      append_uleb128(s, im.type);
    }
    append_section(out, 2, s);
  }
  // 3: function declarations
  s.clear();
  append_uleb128(s, m.functions.size());
  for (const Function& f : m.functions) append_uleb128(s, f.type);
  append_section(out, 3, s);
  // 5: memory (one, no maximum)
  s.clear();
  s.push_back(0x01);
  s.push_back(0x00);
  append_uleb128(s, m.memory_pages);
  append_section(out, 5, s);
  // 7: exports
  s.clear();
  append_uleb128(s, m.exports.size());
  for (const Export& e : m.exports) {
    append_name(s, e.name);
    s.push_back(static_cast<std::uint8_t>(e.kind));
    append_uleb128(s, e.index);
  }
  append_section(out, 7, s);
  // 10: code
  s.clear();
  append_uleb128(s, m.functions.size());
  for (const Function& f : m.functions) {
    const Bytes body = encode_body(f);
    append_uleb128(s, body.size());
    s.insert(s.end(), body.begin(), body.end());
  }
  append_section(out, 10, s);
  // 11: data (active segments in memory 0)
  if (!m.data.empty()) {
    s.clear();
    append_uleb128(s, m.data.size());
    for (const DataSegment& d : m.data) {
      s.push_back(0x00);
      s.push_back(static_cast<std::uint8_t>(Opcode::kI32Const));
      append_sleb128(s, static_cast<std::int32_t>(d.offset));
      s.push_back(static_cast<std::uint8_t>(Opcode::kEnd));
      append_uleb128(s, d.bytes.size());
      s.insert(s.end(), d.bytes.begin(), d.bytes.end());
    }
    append_section(out, 11, s);
  }
  // 0: custom sections, last (readers skip them)
  for (const CustomSection& c : m.custom) {
    s.clear();
    append_name(s, c.name);
    s.insert(s.end(), c.bytes.begin(), c.bytes.end());
    append_section(out, 0, s);
  }
  return out;
}

// ---- text ----

namespace {

const char* opcode_name(Opcode op) {
  switch (op) {
    // clang-format off
    case Opcode::kBlock: return "block";
    case Opcode::kLoop: return "loop";
    case Opcode::kIf: return "if";
    case Opcode::kElse: return "else";
    case Opcode::kEnd: return "end";
    case Opcode::kBr: return "br";
    case Opcode::kBrIf: return "br_if";
    case Opcode::kReturn: return "return";
    case Opcode::kCall: return "call";
    case Opcode::kDrop: return "drop";
    case Opcode::kSelect: return "select";
    case Opcode::kLocalGet: return "local.get";
    case Opcode::kLocalSet: return "local.set";
    case Opcode::kLocalTee: return "local.tee";
    case Opcode::kI32Load: return "i32.load";
    case Opcode::kI64Load: return "i64.load";
    case Opcode::kF32Load: return "f32.load";
    case Opcode::kF64Load: return "f64.load";
    case Opcode::kI32Store: return "i32.store";
    case Opcode::kI64Store: return "i64.store";
    case Opcode::kF32Store: return "f32.store";
    case Opcode::kF64Store: return "f64.store";
    case Opcode::kMemorySize: return "memory.size";
    case Opcode::kMemoryGrow: return "memory.grow";
    case Opcode::kI32Const: return "i32.const";
    case Opcode::kI64Const: return "i64.const";
    case Opcode::kF32Const: return "f32.const";
    case Opcode::kF64Const: return "f64.const";
    case Opcode::kI32Eqz: return "i32.eqz";
    case Opcode::kI32Eq: return "i32.eq";
    case Opcode::kI32Ne: return "i32.ne";
    case Opcode::kI32LtS: return "i32.lt_s";
    case Opcode::kI32LtU: return "i32.lt_u";
    case Opcode::kI32GtS: return "i32.gt_s";
    case Opcode::kI32GtU: return "i32.gt_u";
    case Opcode::kI32LeU: return "i32.le_u";
    case Opcode::kI32GeU: return "i32.ge_u";
    case Opcode::kF32Lt: return "f32.lt";
    case Opcode::kF32Gt: return "f32.gt";
    case Opcode::kF32Le: return "f32.le";
    case Opcode::kF32Ge: return "f32.ge";
    case Opcode::kF64Ne: return "f64.ne";
    case Opcode::kF64Lt: return "f64.lt";
    case Opcode::kF64Gt: return "f64.gt";
    case Opcode::kF64Le: return "f64.le";
    case Opcode::kF64Ge: return "f64.ge";
    case Opcode::kI32Add: return "i32.add";
    case Opcode::kI32Sub: return "i32.sub";
    case Opcode::kI32Mul: return "i32.mul";
    case Opcode::kI32DivS: return "i32.div_s";
    case Opcode::kI32And: return "i32.and";
    case Opcode::kI32Or: return "i32.or";
    case Opcode::kI32Xor: return "i32.xor";
    case Opcode::kI32Shl: return "i32.shl";
    case Opcode::kI32ShrU: return "i32.shr_u";
    case Opcode::kI64Add: return "i64.add";
    case Opcode::kI64Shl: return "i64.shl";
    case Opcode::kF32Sqrt: return "f32.sqrt";
    case Opcode::kF32Add: return "f32.add";
    case Opcode::kF32Sub: return "f32.sub";
    case Opcode::kF32Mul: return "f32.mul";
    case Opcode::kF32Div: return "f32.div";
    case Opcode::kF32Min: return "f32.min";
    case Opcode::kF32Max: return "f32.max";
    case Opcode::kF64Abs: return "f64.abs";
    case Opcode::kF64Neg: return "f64.neg";
    case Opcode::kF64Nearest: return "f64.nearest";
    case Opcode::kF64Sqrt: return "f64.sqrt";
    case Opcode::kF64Add: return "f64.add";
    case Opcode::kF64Sub: return "f64.sub";
    case Opcode::kF64Mul: return "f64.mul";
    case Opcode::kF64Div: return "f64.div";
    case Opcode::kF64Min: return "f64.min";
    case Opcode::kF64Max: return "f64.max";
    case Opcode::kI32TruncF64S: return "i32.trunc_f64_s";
    case Opcode::kI32TruncSatF64S: return "i32.trunc_sat_f64_s";
    case Opcode::kI64ExtendI32S: return "i64.extend_i32_s";
    case Opcode::kI64ExtendI32U: return "i64.extend_i32_u";
    case Opcode::kF32DemoteF64: return "f32.demote_f64";
    case Opcode::kF64ConvertI32S: return "f64.convert_i32_s";
    case Opcode::kF64PromoteF32: return "f64.promote_f32";
    case Opcode::kI32ReinterpretF32: return "i32.reinterpret_f32";
    case Opcode::kF32ReinterpretI32: return "f32.reinterpret_i32";
    case Opcode::kI64ReinterpretF64: return "i64.reinterpret_f64";
    case Opcode::kF64ReinterpretI64: return "f64.reinterpret_i64";
      // clang-format on
  }
  return "unknown";
}

// Exact and readable: 17 significant digits (or 9 for f32) read back as the same value.
std::string format_float(double v, int digits) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buffer[40];
  std::snprintf(buffer, sizeof buffer, "%.*g", digits, v);
  return buffer;
}

std::string types_clause(const char* word, const std::vector<ValType>& types) {
  if (types.empty()) return "";
  std::string out = " (";
  out += word;
  for (ValType t : types) {
    out += ' ';
    out += val_type_name(t);
  }
  out += ')';
  return out;
}

std::string escape_bytes(const std::string& bytes) {
  std::string out;
  char hex[4];
  for (const char c : bytes) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7f && c != '"' && c != '\\') {
      out += c;
    } else {
      std::snprintf(hex, sizeof hex, "\\%02x", u);
      out += hex;
    }
  }
  return out;
}

// Concatenation by appends (GCC 12 warns falsely about `"..." + std::string`).
void cat(std::string& out, std::initializer_list<std::string_view> parts) {
  for (const std::string_view part : parts) out.append(part);
}

}  // namespace

std::string to_text(const Module& m) {
  std::string out = "(module\n";
  for (std::size_t i = 0; i < m.types.size(); ++i) {
    cat(out, {"  (type (;", std::to_string(i), ";) (func", types_clause("param", m.types[i].params),
              types_clause("result", m.types[i].results), "))\n"});
  }
  for (const Import& im : m.imports) {
    cat(out, {"  (import \"", im.module, "\" \"", im.name, "\" (func (type ",
              std::to_string(im.type), ")))\n"});
  }
  for (std::size_t i = 0; i < m.functions.size(); ++i) {
    const Function& f = m.functions[i];
    const FuncType& t = m.types.at(f.type);
    cat(out, {"  (func $", f.name, " (;", std::to_string(m.imports.size() + i), ";) (type ",
              std::to_string(f.type), ")", types_clause("param", t.params),
              types_clause("result", t.results), "\n"});
    if (!f.locals.empty()) cat(out, {"   ", types_clause("local", f.locals), "\n"});
    int depth = 2;
    for (const Instr& in : f.body.instrs()) {
      if (in.op == Opcode::kEnd || in.op == Opcode::kElse) --depth;
      out.append(static_cast<std::size_t>(2 * depth), ' ');
      out += opcode_name(in.op);
      switch (in.op) {
        case Opcode::kBr:
        case Opcode::kBrIf:
        case Opcode::kCall:
        case Opcode::kLocalGet:
        case Opcode::kLocalSet:
        case Opcode::kLocalTee:
        case Opcode::kI32Const:
        case Opcode::kI64Const:
          cat(out, {" ", std::to_string(in.index)});
          break;
        case Opcode::kF32Const:
          cat(out, {" ", format_float(in.value, 9)});
          break;
        case Opcode::kF64Const:
          cat(out, {" ", format_float(in.value, 17)});
          break;
        case Opcode::kI32Load:
        case Opcode::kI64Load:
        case Opcode::kF32Load:
        case Opcode::kF64Load:
        case Opcode::kI32Store:
        case Opcode::kI64Store:
        case Opcode::kF32Store:
        case Opcode::kF64Store:
          if (in.offset != 0) cat(out, {" offset=", std::to_string(in.offset)});
          break;
        default:
          break;
      }
      out += '\n';
      if (in.op == Opcode::kBlock || in.op == Opcode::kLoop || in.op == Opcode::kIf ||
          in.op == Opcode::kElse) {
        ++depth;
      }
    }
    out += "  )\n";
  }
  cat(out, {"  (memory (;0;) ", std::to_string(m.memory_pages), ")\n"});
  for (const Export& e : m.exports) {
    cat(out,
        {"  (export \"", e.name, "\" (", (e.kind == Export::Kind::kMemory ? "memory " : "func "),
         std::to_string(e.index), "))\n"});
  }
  for (const DataSegment& d : m.data) {
    cat(out, {"  (data (i32.const ", std::to_string(d.offset), ") \"",
              escape_bytes(std::string(d.bytes.begin(), d.bytes.end())), "\")\n"});
  }
  for (const CustomSection& c : m.custom) {
    cat(out, {"  ;; custom section \"", c.name, "\": ", c.bytes, "\n"});
  }
  out += ")\n";
  return out;
}

}  // namespace pith::wasm

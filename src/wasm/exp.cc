// exp(x) for float64 as WebAssembly code: WebAssembly has no exp instruction. The algorithm and
// coefficients are fdlibm's e_exp.c (Sun Microsystems, error < 1 ulp): x = k ln2 + r with
// |r| <= ln2/2 (ln2 split in two so k*ln2_hi is exact), a degree-5 Remez rational
// approximation of exp(r), then a scale by 2^k done as two exact power-of-two factors so that
// huge and subnormal results need no branches. NaN propagates (no trap: a saturating
// conversion gives k).
#include "wasm/emit.h"

namespace pith::wasm {
namespace {

constexpr double kOverflowClamp = 710.0;               // exp(x) > DBL_MAX from 709.78
constexpr double kUnderflowClamp = -746.0;             // exp(x) < 2^-1075 below -745.14
constexpr double kLn2Hi = 6.93147180369123816490e-01;  // 32 significant bits
constexpr double kLn2Lo = 1.90821492927058770002e-10;
constexpr double kInvLn2 = 1.44269504088896338700e+00;
constexpr double kP[5] = {1.66666666666666019037e-01, -2.77777777770155933842e-03,
                          6.61375632143793436117e-05, -1.65339022054652515390e-06,
                          4.13813679705723846039e-08};

// Locals: 0 x (param), 1 k as f64, 2 hi, 3 lo, 4 r, 5 t = r*r, 6 c, 7 k, 8 k1.
enum : std::uint32_t { kX, kKf, kHi, kLo, kR, kT, kC, kK, kK1 };

// Pushes 2^e (as f64) for the i32 on the stack, which must be in [-1022, 1023].
void power_of_two(Code& c) {
  c.i32_const(1023);
  c.op(Opcode::kI32Add);
  c.op(Opcode::kI64ExtendI32U);
  c.i64_const(52);
  c.op(Opcode::kI64Shl);
  c.op(Opcode::kF64ReinterpretI64);
}

}  // namespace

std::uint32_t add_exp_function(Module& module) {
  Function f;
  f.name = "exp";
  f.type = module.type_index({{ValType::kF64}, {ValType::kF64}});
  f.locals = {ValType::kF64, ValType::kF64, ValType::kF64, ValType::kF64,
              ValType::kF64, ValType::kF64, ValType::kI32, ValType::kI32};
  Code& c = f.body;
  // Clamped to [-746, 710]: beyond, 2^k over- or underflows by itself (to +inf or +0), and k
  // stays within the range where the two scale factors are normal numbers.
  c.local_get(kX);
  c.f64_value(kUnderflowClamp);
  c.op(Opcode::kF64Max);
  c.f64_value(kOverflowClamp);
  c.op(Opcode::kF64Min);
  // k = nearest(x / ln2); hi = x - k ln2_hi (exact); lo = k ln2_lo; r = hi - lo.
  c.local_tee(kX);
  c.local_get(kX);
  c.f64_const(kInvLn2);
  c.op(Opcode::kF64Mul);
  c.op(Opcode::kF64Nearest);
  c.local_tee(kKf);
  c.f64_const(kLn2Hi);
  c.op(Opcode::kF64Mul);
  c.op(Opcode::kF64Sub);
  c.local_set(kHi);
  c.local_get(kKf);
  c.f64_const(kLn2Lo);
  c.op(Opcode::kF64Mul);
  c.local_set(kLo);
  c.local_get(kHi);
  c.local_get(kLo);
  c.op(Opcode::kF64Sub);
  c.local_tee(kR);
  c.local_get(kR);
  c.op(Opcode::kF64Mul);
  c.local_set(kT);
  // c = r - t (P1 + t (P2 + t (P3 + t (P4 + t P5)))), by Horner from the inside out.
  c.local_get(kR);
  for (int i = 0; i < 4; ++i) {
    c.local_get(kT);
    c.f64_const(kP[i]);
  }
  c.local_get(kT);
  c.f64_const(kP[4]);
  c.op(Opcode::kF64Mul);
  for (int i = 0; i < 4; ++i) {
    c.op(Opcode::kF64Add);
    c.op(Opcode::kF64Mul);
  }
  c.op(Opcode::kF64Sub);
  c.local_set(kC);
  // y = 1 - ((lo - (r c) / (2 - c)) - hi)
  c.f64_value(1.0);
  c.local_get(kLo);
  c.local_get(kR);
  c.local_get(kC);
  c.op(Opcode::kF64Mul);
  c.f64_value(2.0);
  c.local_get(kC);
  c.op(Opcode::kF64Sub);
  c.op(Opcode::kF64Div);
  c.op(Opcode::kF64Sub);
  c.local_get(kHi);
  c.op(Opcode::kF64Sub);
  c.op(Opcode::kF64Sub);
  // y * 2^k1 * 2^(k - k1) with k1 = k / 2: both factors normal for |k| <= 1076, and the first
  // product is exact, so a subnormal result is rounded once.
  c.local_get(kKf);
  c.op(Opcode::kI32TruncSatF64S);  // NaN: k = 0, and y is NaN
  c.local_tee(kK);
  c.i32_const(2);
  c.op(Opcode::kI32DivS);
  c.local_tee(kK1);
  power_of_two(c);
  c.op(Opcode::kF64Mul);
  c.local_get(kK);
  c.local_get(kK1);
  c.op(Opcode::kI32Sub);
  power_of_two(c);
  c.op(Opcode::kF64Mul);
  module.functions.push_back(std::move(f));
  return static_cast<std::uint32_t>(module.imports.size() + module.functions.size() - 1);
}

}  // namespace pith::wasm

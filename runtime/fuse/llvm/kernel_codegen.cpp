#include "runtime/fuse/llvm/kernel_codegen.h"

#include <llvm/IR/Constants.h>
#include <llvm/IR/DerivedTypes.h>
#include <llvm/IR/Function.h>
#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/Intrinsics.h>
#include <llvm/IR/MDBuilder.h>

#include <array>
#include <bit>
#include <cstring>
#include <functional>
#include <map>
#include <utility>

#include "runtime/data/augment_interpreter.h"
#include "runtime/fuse/kernel_compiler.h"
#include "runtime/random/philox.h"

namespace mlf::runtime {
namespace {

using llvm::Value;

// det_math.cpp's constants (det_math.h documents them; the 1/k and 1/k! coefficients are
// written below as the same correctly rounded f32 divisions).
constexpr float kDetSqrt2 = 0x1.6a09e6p+0f;
constexpr float kDetLn2Hi = 0x1.62e4p-1f;
constexpr float kDetLn2Lo = 0x1.7f7d1cp-20f;
constexpr float kDetHalfPi = 0x1.921fb6p+0f;

// f32 lanes of the widest vector registers (AVX-512); rows that are a multiple of it need
// no tail on any x86 target.
constexpr std::int64_t kWidestVector = 16;

class Emitter {
 public:
  Emitter(const LoopProgram& program, llvm::Module& module)
      : program_(program), module_(module), ctx_(module.getContext()), b_(ctx_) {}

  void emit() {
    auto* ptr = b_.getInt8PtrTy();
    auto* fn_type = llvm::FunctionType::get(b_.getVoidTy(), {ptr, ptr, ptr, ptr, ptr, ptr}, false);
    fn_ = llvm::Function::Create(fn_type, llvm::Function::ExternalLinkage, kKernelSymbol, module_);
    fn_->addFnAttr(llvm::Attribute::NoUnwind);
    fn_->addFnAttr(llvm::Attribute::NoFree);
    for (unsigned k : {0u, 1u, 4u}) fn_->addParamAttr(k, llvm::Attribute::NoAlias);
    source_ = fn_->getArg(0);
    destination_ = fn_->getArg(1);
    floats_ = fn_->getArg(2);
    ints_ = fn_->getArg(3);
    noise_ = fn_->getArg(4);
    scratch_ = fn_->getArg(5);
    b_.SetInsertPoint(llvm::BasicBlock::Create(ctx_, "entry", fn_));
    for (int k = 0; k < program_.float_slots; ++k)
      float_params_.push_back(b_.CreateLoad(b_.getFloatTy(), at(b_.getFloatTy(), floats_, k)));
    for (int k = 0; k < program_.int_slots; ++k)
      int_params_.push_back(b_.CreateLoad(b_.getInt64Ty(), at(b_.getInt64Ty(), ints_, k)));
    for (std::size_t s = 0; s < program_.segments.size(); ++s) {
      emit_segment(s);
      scope_segment_memory();
    }
    b_.CreateRetVoid();
  }

 private:
  llvm::Type* type_of(DType t) {
    switch (t) {
      case DType::U8:
      case DType::I8: return b_.getInt8Ty();
      case DType::I16: return b_.getInt16Ty();
      case DType::I32: return b_.getInt32Ty();
      case DType::I64: return b_.getInt64Ty();
      case DType::F32: return b_.getFloatTy();
      case DType::F64: return b_.getDoubleTy();
    }
    return b_.getFloatTy();
  }
  // &base[index] as a `t*` (typed pointers: LLVM 14's vectoriser mishandles opaque ones).
  Value* at(llvm::Type* t, Value* base, Value* index) {
    return b_.CreateInBoundsGEP(t, b_.CreateBitCast(base, t->getPointerTo()), index);
  }
  Value* at(llvm::Type* t, Value* base, std::int64_t index) { return at(t, base, i64(index)); }
  Value* i64(std::int64_t v) { return b_.getInt64(static_cast<std::uint64_t>(v)); }
  Value* f32(float v) { return llvm::ConstantFP::get(b_.getFloatTy(), static_cast<double>(v)); }

  // for (i = 0; i < n; ++i) body(i), at the insert point; leaves the insert point after it.
  void loop(std::int64_t n, const char* name, const std::function<void(Value*)>& body) {
    if (n <= 0) return;
    llvm::BasicBlock* before = b_.GetInsertBlock();
    auto* head = llvm::BasicBlock::Create(ctx_, name, fn_);
    auto* after = llvm::BasicBlock::Create(ctx_, std::string(name) + ".end", fn_);
    b_.CreateBr(head);
    b_.SetInsertPoint(head);
    llvm::PHINode* i = b_.CreatePHI(b_.getInt64Ty(), 2, name);
    i->addIncoming(i64(0), before);
    body(i);
    Value* next = b_.CreateAdd(i, i64(1), "", true, true);
    i->addIncoming(next, b_.GetInsertBlock());
    llvm::BranchInst* latch = b_.CreateCondBr(b_.CreateICmpSLT(next, i64(n)), head, after);
    if (std::strcmp(name, "x") == 0 && n % kWidestVector != 0) {
      // A row whose length is not a multiple of the vector width (28 pixels, say) runs as
      // whole vectors, the last one masked, rather than a vector body and a scalar tail:
      // the tail's scalar divisions cost as much as the rest of the row. Masks only
      // change which lanes are stored, never a lane's arithmetic, so results are the same.
      // Targets without masked loads and stores keep the scalar tail.
      hint(latch, "llvm.loop.vectorize.predicate.enable", true);
    } else if (std::strcmp(name, "c") == 0) {
      // Unrolled, the channel loop copied its (vectorised) body once per channel: twice
      // the compile time of a 3-channel chain for no measurable speed.
      hint(latch, "llvm.loop.unroll.disable");
    }
    b_.SetInsertPoint(after);
  }

  // Attaches one loop hint (`llvm.loop.*` metadata) to the loop whose latch this is; `on`
  // for the hints that take a boolean.
  void hint(llvm::BranchInst* latch, const char* name, bool on = false) {
    std::vector<llvm::Metadata*> item = {llvm::MDString::get(ctx_, name)};
    if (on) item.push_back(llvm::ConstantAsMetadata::get(b_.getTrue()));
    llvm::MDNode* self = llvm::MDNode::getDistinct(ctx_, {nullptr, llvm::MDNode::get(ctx_, item)});
    self->replaceOperandWith(0, self);
    latch->setMetadata(llvm::LLVMContext::MD_loop, self);
  }

  // for (i = begin; i < end; ++i) body(i) with bounds known only at run time.
  void loop_range(Value* begin, Value* end, const char* name, const std::function<void(Value*)>& body) {
    llvm::BasicBlock* before = b_.GetInsertBlock();
    auto* head = llvm::BasicBlock::Create(ctx_, name, fn_);
    auto* after = llvm::BasicBlock::Create(ctx_, std::string(name) + ".end", fn_);
    b_.CreateCondBr(b_.CreateICmpSLT(begin, end), head, after);
    b_.SetInsertPoint(head);
    llvm::PHINode* i = b_.CreatePHI(b_.getInt64Ty(), 2, name);
    i->addIncoming(begin, before);
    body(i);
    Value* next = b_.CreateAdd(i, i64(1), "", true, true);
    i->addIncoming(next, b_.GetInsertBlock());
    b_.CreateCondBr(b_.CreateICmpSLT(next, end), head, after);
    b_.SetInsertPoint(after);
  }

  Value* clamp_i64(Value* v, std::int64_t low, std::int64_t high) {
    Value* up = b_.CreateSelect(b_.CreateICmpSLT(v, i64(low)), i64(low), v);
    return b_.CreateSelect(b_.CreateICmpSGT(up, i64(high)), i64(high), up);
  }

  Value* element_index(const StageShape& s, Value* c, Value* y, Value* x) {
    Value* row = b_.CreateAdd(b_.CreateMul(c, i64(s.h), "", true, true), y, "", true, true);
    return b_.CreateAdd(b_.CreateMul(row, i64(s.w), "", true, true), x, "", true, true);
  }

  Value* inside(Value* y, Value* x, std::int64_t h, std::int64_t w) {
    Value* a = b_.CreateAnd(b_.CreateICmpSGE(y, i64(0)), b_.CreateICmpSLT(y, i64(h)));
    Value* c = b_.CreateAnd(b_.CreateICmpSGE(x, i64(0)), b_.CreateICmpSLT(x, i64(w)));
    return b_.CreateAnd(a, c);
  }

  llvm::Constant* element_constant(DType t, const std::vector<std::uint8_t>& bytes) {
    std::uint64_t raw = 0;
    std::memcpy(&raw, bytes.data(), bytes.size());
    switch (t) {
      case DType::F32: return llvm::ConstantFP::get(b_.getFloatTy(), static_cast<double>(std::bit_cast<float>(static_cast<std::uint32_t>(raw))));
      case DType::F64: return llvm::ConstantFP::get(b_.getDoubleTy(), std::bit_cast<double>(raw));
      default: return llvm::ConstantInt::get(type_of(t), raw);
    }
  }

  // f == 0 ? a : (1 − f)·a + f·b
  Value* lerp_or_first(Value* a, Value* bv, Value* f) {
    Value* wa = b_.CreateFMul(b_.CreateFSub(f32(1.0f), f), a);
    Value* wb = b_.CreateFMul(f, bv);
    return b_.CreateSelect(b_.CreateFCmpOEQ(f, f32(0.0f)), a, b_.CreateFAdd(wa, wb));
  }

  // max(-2, min(v, high)) as the interpreter's clamp_index, then to an integer.
  Value* clamp_index(Value* v, float high, llvm::Type* integer) {
    Value* low_or_nan = b_.CreateOr(b_.CreateFCmpUNO(v, v), b_.CreateFCmpOLT(v, f32(-2.0f)));
    Value* clamped = b_.CreateSelect(low_or_nan, f32(-2.0f),
                                     b_.CreateSelect(b_.CreateFCmpOGT(v, f32(high)), f32(high), v));
    return b_.CreateFPToSI(clamped, integer);
  }

  Value* to_float(DType from, Value* v) {
    switch (from) {
      case DType::U8: return b_.CreateUIToFP(v, b_.getFloatTy());
      case DType::I8:
      case DType::I16:
      case DType::I32:
      case DType::I64: return b_.CreateSIToFP(v, b_.getFloatTy());
      case DType::F32: return v;
      case DType::F64: return b_.CreateFPTrunc(v, b_.getFloatTy());
    }
    return v;
  }

  // The value of element (c, y, x) after op j of the segment (j = -1: the source).
  Value* eval(int j, Value* c, Value* y, Value* x) {
    const Segment& seg = program_.segments[segment_];
    if (j < 0) {
      Value* index = element_index(seg.source, c, y, x);
      return b_.CreateLoad(type_of(seg.source_dtype), at(type_of(seg.source_dtype), segment_source_, index));
    }
    const LoopOp& op = seg.ops[static_cast<std::size_t>(j)];
    switch (op.kind) {
      case AugmentKind::ToFloat:
        return b_.CreateFMul(to_float(op.in_dtype, eval(j - 1, c, y, x)), f32(op.scale));
      case AugmentKind::Normalize: {
        Value* v = eval(j - 1, c, y, x);
        bool uniform = true;
        for (std::size_t k = 1; k < op.mean.size(); ++k)
          uniform = uniform && std::bit_cast<std::uint32_t>(op.mean[k]) == std::bit_cast<std::uint32_t>(op.mean[0]) &&
                    std::bit_cast<std::uint32_t>(op.std[k]) == std::bit_cast<std::uint32_t>(op.std[0]);
        if (uniform) return b_.CreateFDiv(b_.CreateFSub(v, f32(op.mean[0])), f32(op.std[0]));
        Value* mean = b_.CreateLoad(b_.getFloatTy(), at(b_.getFloatTy(), table(op.mean), c));
        Value* sd = b_.CreateLoad(b_.getFloatTy(), at(b_.getFloatTy(), table(op.std), c));
        return b_.CreateFDiv(b_.CreateFSub(v, mean), sd);
      }
      case AugmentKind::HFlip: {
        Value* flip = flag(j, op);
        Value* sx = b_.CreateSelect(flip, b_.CreateSub(i64(op.in.w - 1), x), x);
        return eval(j - 1, c, y, sx);
      }
      case AugmentKind::VFlip: {
        Value* flip = flag(j, op);
        Value* sy = b_.CreateSelect(flip, b_.CreateSub(i64(op.in.h - 1), y), y);
        return eval(j - 1, c, sy, x);
      }
      case AugmentKind::Crop: {
        if (j == split_crop_ && crop_part_ == CropPart::Outside)
          return llvm::Constant::getNullValue(type_of(op.in_dtype));
        Value* sy = b_.CreateAdd(y, b_.CreateSub(int_params_[static_cast<std::size_t>(op.slot)], i64(op.padding)));
        Value* sx = b_.CreateAdd(x, b_.CreateSub(int_params_[static_cast<std::size_t>(op.slot + 1)], i64(op.padding)));
        if (j == split_crop_ && crop_part_ == CropPart::Inside) return eval(j - 1, c, sy, sx);
        Value* in = inside(sy, sx, op.in.h, op.in.w);
        Value* v = eval(j - 1, c, b_.CreateSelect(in, sy, i64(0)), b_.CreateSelect(in, sx, i64(0)));
        return b_.CreateSelect(in, v, llvm::Constant::getNullValue(type_of(op.in_dtype)));
      }
      case AugmentKind::Cutout: {
        auto r = [&](int k) { return int_params_[static_cast<std::size_t>(op.slot + k)]; };
        Value* in_rows = b_.CreateAnd(b_.CreateICmpSGE(y, r(0)), b_.CreateICmpSLT(y, r(1)));
        Value* in_cols = b_.CreateAnd(b_.CreateICmpSGE(x, r(2)), b_.CreateICmpSLT(x, r(3)));
        Value* v = eval(j - 1, c, y, x);
        return b_.CreateSelect(b_.CreateAnd(in_rows, in_cols), element_constant(op.in_dtype, op.fill_element), v);
      }
      case AugmentKind::Affine: return affine(j, op, c, y, x);
      case AugmentKind::Brightness:
        return b_.CreateFAdd(eval(j - 1, c, y, x), float_params_[static_cast<std::size_t>(op.slot)]);
      case AugmentKind::Contrast: {
        Value* v = eval(j - 1, c, y, x);
        Value* factor = float_params_[static_cast<std::size_t>(op.slot)];
        return b_.CreateFAdd(segment_mean_, b_.CreateFMul(factor, b_.CreateFSub(v, segment_mean_)));
      }
      case AugmentKind::Noise: {
        Value* v = eval(j - 1, c, y, x);
        Value* z = normal_of_element(op, element_index(op.in, c, y, x));
        return b_.CreateFAdd(v, b_.CreateFMul(f32(op.noise_std), z));
      }
      case AugmentKind::Clamp: {
        Value* v = eval(j - 1, c, y, x);
        Value* above = b_.CreateSelect(b_.CreateFCmpOGT(v, f32(op.high)), f32(op.high), v);
        return b_.CreateSelect(b_.CreateFCmpOLT(v, f32(op.low)), f32(op.low), above);
      }
      case AugmentKind::Mixup: {
        // lambda·x_i + (1 − lambda)·x_j, x_j the partner's element at the same place in
        // its dense f32 plane (written by the partner's segments, earlier in the kernel).
        Value* v = eval(j - 1, c, y, x);
        Value* partner = at(b_.getInt8Ty(), scratch_, op.partner_offset);
        Value* w = b_.CreateLoad(b_.getFloatTy(), at(b_.getFloatTy(), partner, element_index(op.in, c, y, x)));
        Value* lambda = float_params_[static_cast<std::size_t>(op.slot)];
        Value* m = b_.CreateFSub(f32(1.0f), lambda);
        Value* mixed = b_.CreateFAdd(b_.CreateFMul(lambda, v), b_.CreateFMul(m, w));
        // One NaN, as the interpreter writes it (kMixupNaNBits): with two NaN operands the
        // addition's result is not fixed by IEEE 754.
        Value* nan = llvm::ConstantFP::get(b_.getFloatTy(), std::bit_cast<float>(kMixupNaNBits));
        return b_.CreateSelect(b_.CreateFCmpUNO(mixed, mixed), nan, mixed);
      }
    }
    return llvm::UndefValue::get(b_.getFloatTy());
  }

  Value* affine(int j, const LoopOp& op, Value* c, Value* y, Value* x) {
    auto p = [&](int k) { return float_params_[static_cast<std::size_t>(op.slot + k)]; };
    Value *cs = p(0), *sn = p(1), *tx = p(2), *ty = p(3), *scale = p(4);
    const float Wf = static_cast<float>(op.in.w), Hf = static_cast<float>(op.in.h);
    const float cx = (Wf - 1.0f) * 0.5f, cy = (Hf - 1.0f) * 0.5f;
    Value* ex = b_.CreateFSub(b_.CreateFSub(b_.CreateSIToFP(x, b_.getFloatTy()), f32(cx)), tx);
    Value* ey = b_.CreateFSub(b_.CreateFSub(b_.CreateSIToFP(y, b_.getFloatTy()), f32(cy)), ty);
    Value* sx = b_.CreateFAdd(b_.CreateFDiv(b_.CreateFSub(b_.CreateFMul(cs, ex), b_.CreateFMul(sn, ey)), scale), f32(cx));
    Value* sy = b_.CreateFAdd(b_.CreateFDiv(b_.CreateFAdd(b_.CreateFMul(sn, ex), b_.CreateFMul(cs, ey)), scale), f32(cy));
    Value* fx0 = b_.CreateUnaryIntrinsic(llvm::Intrinsic::floor, sx);
    Value* fy0 = b_.CreateUnaryIntrinsic(llvm::Intrinsic::floor, sy);
    Value* fx = b_.CreateFSub(sx, fx0);
    Value* fy = b_.CreateFSub(sy, fy0);
    Value* fill = f32(op.fill);
    const Segment& seg = program_.segments[segment_];
    const std::int64_t b =
        seg.source_segment >= 0 ? program_.segments[static_cast<std::size_t>(seg.source_segment)].border : 0;
    if (j == 0 && b >= kAffineBorder && seg.source_dtype == DType::F32 &&
        seg.source.c * (seg.source.h + 2 * b) * (seg.source.w + 2 * b) < (std::int64_t{1} << 30)) {
      // The source is framed by the fill (loop_ir.h): every clamped neighbour is inside the
      // frame and reads the fill where the interpreter would, so no bounds tests; each row's
      // pair (x0, x0 + 1) is one 64-bit load, split into its two floats.
      auto* i32t = b_.getInt32Ty();
      const auto fw = static_cast<std::uint32_t>(op.in.w + 2 * b);
      const auto fh = static_cast<std::uint32_t>(op.in.h + 2 * b);
      Value* x0 = clamp_index(fx0, Wf + 1.0f, i32t);
      Value* y0 = clamp_index(fy0, Hf + 1.0f, i32t);
      Value* row = b_.CreateAdd(b_.CreateMul(b_.CreateTrunc(c, i32t), u32(fh)), b_.CreateAdd(y0, u32(static_cast<std::uint32_t>(b))));
      Value* first = b_.CreateAdd(b_.CreateMul(row, u32(fw)), b_.CreateAdd(x0, u32(static_cast<std::uint32_t>(b))));
      auto pair = [&](Value* index) {
        Value* address = b_.CreateBitCast(at(b_.getFloatTy(), segment_source_, index), b_.getInt64Ty()->getPointerTo());
        Value* both = b_.CreateAlignedLoad(b_.getInt64Ty(), address, llvm::Align(4));
        Value* left = b_.CreateBitCast(b_.CreateTrunc(both, i32t), b_.getFloatTy());
        Value* right = b_.CreateBitCast(b_.CreateTrunc(b_.CreateLShr(both, 32), i32t), b_.getFloatTy());
        return std::pair<Value*, Value*>{left, right};
      };
      auto [p00, p01] = pair(first);
      auto [p10, p11] = pair(b_.CreateAdd(first, u32(fw)));
      Value* top = lerp_or_first(p00, p01, fx);
      Value* bottom = lerp_or_first(p10, p11, fx);
      return lerp_or_first(top, bottom, fy);
    }
    if (j == 0 && seg.source.elements() < (std::int64_t{1} << 30)) {
      // The affine reads its segment's source (lower_chain puts every affine first), so
      // the neighbours' indices need no walk: computed in i32 (the vectorised bounds
      // tests and index arithmetic are then half as wide), one unsigned compare per axis
      // (−2 and −1 wrap above the bound).
      auto* i32t = b_.getInt32Ty();
      Value* x0 = clamp_index(fx0, Wf + 1.0f, i32t);
      Value* y0 = clamp_index(fy0, Hf + 1.0f, i32t);
      Value* plane = b_.CreateMul(b_.CreateTrunc(c, i32t), u32(static_cast<std::uint32_t>(op.in.h)));
      auto pixel = [&](std::int32_t dy, std::int32_t dx) {
        Value* px = b_.CreateAdd(x0, u32(static_cast<std::uint32_t>(dx)), "", false, true);
        Value* py = b_.CreateAdd(y0, u32(static_cast<std::uint32_t>(dy)), "", false, true);
        Value* in = b_.CreateAnd(b_.CreateICmpULT(py, u32(static_cast<std::uint32_t>(op.in.h))),
                                 b_.CreateICmpULT(px, u32(static_cast<std::uint32_t>(op.in.w))));
        Value* row = b_.CreateAdd(plane, b_.CreateSelect(in, py, u32(0)));
        Value* index = b_.CreateAdd(b_.CreateMul(row, u32(static_cast<std::uint32_t>(op.in.w))),
                                    b_.CreateSelect(in, px, u32(0)));
        Value* v = b_.CreateLoad(b_.getFloatTy(), at(b_.getFloatTy(), segment_source_, index));
        return b_.CreateSelect(in, v, fill);
      };
      Value* top = lerp_or_first(pixel(0, 0), pixel(0, 1), fx);
      Value* bottom = lerp_or_first(pixel(1, 0), pixel(1, 1), fx);
      return lerp_or_first(top, bottom, fy);
    }
    Value* x0 = clamp_index(fx0, Wf + 1.0f, b_.getInt64Ty());
    Value* y0 = clamp_index(fy0, Hf + 1.0f, b_.getInt64Ty());
    auto pixel = [&](std::int64_t dy, std::int64_t dx) {
      Value* px = b_.CreateAdd(x0, i64(dx));
      Value* py = b_.CreateAdd(y0, i64(dy));
      Value* in = inside(py, px, op.in.h, op.in.w);
      Value* v = eval(j - 1, c, b_.CreateSelect(in, py, i64(0)), b_.CreateSelect(in, px, i64(0)));
      return b_.CreateSelect(in, v, fill);
    };
    Value* p00 = pixel(0, 0);
    Value* p01 = pixel(0, 1);
    Value* p10 = pixel(1, 0);
    Value* p11 = pixel(1, 1);
    Value* top = lerp_or_first(p00, p01, fx);
    Value* bottom = lerp_or_first(p10, p11, fx);
    return lerp_or_first(top, bottom, fy);
  }

  Value* u32(std::uint32_t v) { return b_.getInt32(v); }

  // Philox 4x32-10 of counter c under the key (philox.h), on i32 values.
  std::array<Value*, 4> philox(std::array<Value*, 4> c, Value* k0, Value* k1) {
    auto* i64t = b_.getInt64Ty();
    auto* i32t = b_.getInt32Ty();
    for (int r = 0; r < 10; ++r) {
      if (r > 0) {
        k0 = b_.CreateAdd(k0, u32(kPhiloxW0));
        k1 = b_.CreateAdd(k1, u32(kPhiloxW1));
      }
      Value* p0 = b_.CreateMul(b_.getInt64(kPhiloxM0), b_.CreateZExt(c[0], i64t), "", true, true);
      Value* p1 = b_.CreateMul(b_.getInt64(kPhiloxM1), b_.CreateZExt(c[2], i64t), "", true, true);
      Value* hi0 = b_.CreateTrunc(b_.CreateLShr(p0, 32), i32t);
      Value* lo0 = b_.CreateTrunc(p0, i32t);
      Value* hi1 = b_.CreateTrunc(b_.CreateLShr(p1, 32), i32t);
      Value* lo1 = b_.CreateTrunc(p1, i32t);
      c = {b_.CreateXor(b_.CreateXor(hi1, c[1]), k0), lo1, b_.CreateXor(b_.CreateXor(hi0, c[3]), k1), lo0};
    }
    return c;
  }

  // det_log (det_math.h) for x in [2^-24, 1]: the normal range, no special cases.
  Value* det_log_unit(Value* x) {
    Value* bits = b_.CreateBitCast(x, b_.getInt32Ty());
    Value* e = b_.CreateSub(b_.CreateLShr(bits, 23), u32(127));
    Value* m = b_.CreateBitCast(b_.CreateOr(b_.CreateAnd(bits, u32(0x007fffffu)), u32(0x3f800000u)), b_.getFloatTy());
    Value* big = b_.CreateFCmpOGT(m, f32(kDetSqrt2));
    m = b_.CreateSelect(big, b_.CreateFMul(m, f32(0.5f)), m);
    e = b_.CreateSelect(big, b_.CreateAdd(e, u32(1)), e);
    Value* s = b_.CreateFDiv(b_.CreateFSub(m, f32(1.0f)), b_.CreateFAdd(m, f32(1.0f)));
    Value* z = b_.CreateFMul(s, s);
    Value* p = b_.CreateFAdd(b_.CreateFMul(z, f32(1.0f / 9.0f)), f32(1.0f / 7.0f));
    p = b_.CreateFAdd(b_.CreateFMul(p, z), f32(1.0f / 5.0f));
    p = b_.CreateFAdd(b_.CreateFMul(p, z), f32(1.0f / 3.0f));
    p = b_.CreateFMul(p, z);
    Value* ln_m = b_.CreateFMul(f32(2.0f), b_.CreateFAdd(s, b_.CreateFMul(s, p)));
    Value* fe = b_.CreateSIToFP(e, b_.getFloatTy());
    return b_.CreateFAdd(b_.CreateFMul(fe, f32(kDetLn2Hi)), b_.CreateFAdd(ln_m, b_.CreateFMul(fe, f32(kDetLn2Lo))));
  }

  // det_sincos_turns(t).cos (det_math.h).
  Value* det_cos_turns(Value* t) {
    Value* t4 = b_.CreateFMul(t, f32(4.0f));
    Value* q = b_.CreateUnaryIntrinsic(llvm::Intrinsic::floor, b_.CreateFAdd(t4, f32(0.5f)));
    Value* a = b_.CreateFMul(b_.CreateFSub(t4, q), f32(kDetHalfPi));
    Value* z = b_.CreateFMul(a, a);
    Value* ps = b_.CreateFAdd(f32(-1.0f / 5040.0f), b_.CreateFMul(z, f32(1.0f / 362880.0f)));
    ps = b_.CreateFAdd(f32(1.0f / 120.0f), b_.CreateFMul(z, ps));
    ps = b_.CreateFAdd(f32(-1.0f / 6.0f), b_.CreateFMul(z, ps));
    Value* sa = b_.CreateFAdd(a, b_.CreateFMul(a, b_.CreateFMul(z, ps)));
    Value* pc = b_.CreateFAdd(f32(1.0f / 40320.0f), b_.CreateFMul(z, f32(-1.0f / 3628800.0f)));
    pc = b_.CreateFAdd(f32(-1.0f / 720.0f), b_.CreateFMul(z, pc));
    pc = b_.CreateFAdd(f32(1.0f / 24.0f), b_.CreateFMul(z, pc));
    pc = b_.CreateFAdd(f32(-1.0f / 2.0f), b_.CreateFMul(z, pc));
    Value* ca = b_.CreateFAdd(f32(1.0f), b_.CreateFMul(z, pc));
    Value* quadrant = b_.CreateAnd(b_.CreateFPToSI(q, b_.getInt64Ty()), i64(3));
    Value* odd = b_.CreateICmpNE(b_.CreateAnd(quadrant, i64(1)), i64(0));
    // quadrant 0: ca, 1: −sa, 2: −ca, 3: sa
    Value* magnitude = b_.CreateSelect(odd, sa, ca);
    Value* flip = b_.CreateOr(b_.CreateICmpEQ(quadrant, i64(1)), b_.CreateICmpEQ(quadrant, i64(2)));
    return b_.CreateSelect(flip, b_.CreateFNeg(magnitude), magnitude);
  }

  // normal(2k) of the op's stream for element k (random_stream.h): words 2k and 2k+1 are
  // lanes 0, 1 (k even) or 2, 3 (k odd) of Philox block k/2; Box–Muller in f32.
  Value* normal_of_element(const LoopOp& op, Value* k) {
    auto word = [&](int n) { return b_.CreateTrunc(int_params_[static_cast<std::size_t>(op.slot + n)], b_.getInt32Ty()); };
    Value* block = b_.CreateTrunc(b_.CreateLShr(k, 1), b_.getInt32Ty());
    std::array<Value*, 4> w = philox({word(2), word(3), block, word(4)}, word(0), word(1));
    Value* odd = b_.CreateICmpNE(b_.CreateAnd(k, i64(1)), i64(0));
    Value* first = b_.CreateSelect(odd, w[2], w[0]);
    Value* second = b_.CreateSelect(odd, w[3], w[1]);
    Value* u1 = b_.CreateFMul(b_.CreateUIToFP(b_.CreateAdd(b_.CreateLShr(first, 8), u32(1)), b_.getFloatTy()), f32(0x1p-24f));
    Value* u2 = b_.CreateFMul(b_.CreateUIToFP(b_.CreateLShr(second, 8), b_.getFloatTy()), f32(0x1p-24f));
    Value* r = b_.CreateUnaryIntrinsic(llvm::Intrinsic::sqrt, b_.CreateFMul(f32(-2.0f), det_log_unit(u1)));
    return b_.CreateFMul(r, det_cos_turns(u2));
  }

  // A flip's flag: a constant inside a versioned loop nest, else the sample's parameter.
  Value* flag(int j, const LoopOp& op) {
    auto found = versioned_.find(j);
    if (found != versioned_.end()) return b_.getInt1(found->second);
    return b_.CreateICmpNE(int_params_[static_cast<std::size_t>(op.slot)], i64(0));
  }

  llvm::Value* table(const std::vector<float>& values) {
    std::vector<llvm::Constant*> items;
    for (float v : values) items.push_back(llvm::ConstantFP::get(b_.getFloatTy(), static_cast<double>(v)));
    auto* type = llvm::ArrayType::get(b_.getFloatTy(), values.size());
    return new llvm::GlobalVariable(module_, type, true, llvm::GlobalValue::PrivateLinkage,
                                    llvm::ConstantArray::get(type, items));
  }

  // mean = f32(total / f64(n)), the total summed over 8 f64 lanes (augment_interpreter.h).
  Value* mean_of_source(const Segment& seg) {
    const std::int64_t n = seg.source.elements();
    if (n == 0) return f32(0.0f);
    auto* lanes_type = llvm::FixedVectorType::get(b_.getDoubleTy(), 8);
    auto* floats_type = llvm::FixedVectorType::get(b_.getFloatTy(), 8);
    Value* lanes = llvm::Constant::getNullValue(lanes_type);
    const std::int64_t chunks = n / 8;
    if (chunks > 0) {
      llvm::BasicBlock* before = b_.GetInsertBlock();
      auto* head = llvm::BasicBlock::Create(ctx_, "mean", fn_);
      auto* after = llvm::BasicBlock::Create(ctx_, "mean.end", fn_);
      b_.CreateBr(head);
      b_.SetInsertPoint(head);
      llvm::PHINode* k = b_.CreatePHI(b_.getInt64Ty(), 2);
      llvm::PHINode* acc = b_.CreatePHI(lanes_type, 2);
      k->addIncoming(i64(0), before);
      acc->addIncoming(lanes, before);
      Value* first = at(b_.getFloatTy(), segment_source_, b_.CreateMul(k, i64(8)));
      Value* chunk = b_.CreateAlignedLoad(floats_type, b_.CreateBitCast(first, floats_type->getPointerTo()), llvm::Align(4));
      Value* sum = b_.CreateFAdd(acc, b_.CreateFPExt(chunk, lanes_type));
      Value* next = b_.CreateAdd(k, i64(1));
      k->addIncoming(next, head);
      acc->addIncoming(sum, head);
      b_.CreateCondBr(b_.CreateICmpSLT(next, i64(chunks)), head, after);
      b_.SetInsertPoint(after);
      llvm::PHINode* result = b_.CreatePHI(lanes_type, 1);
      result->addIncoming(sum, head);
      lanes = result;
    }
    Value* lane[8];
    for (unsigned l = 0; l < 8; ++l) lane[l] = b_.CreateExtractElement(lanes, l);
    for (std::int64_t k = chunks * 8; k < n; ++k) {
      Value* v = b_.CreateLoad(b_.getFloatTy(), at(b_.getFloatTy(), segment_source_, k));
      const auto l = static_cast<std::size_t>(k % 8);
      lane[l] = b_.CreateFAdd(lane[l], b_.CreateFPExt(v, b_.getDoubleTy()));
    }
    Value* total = b_.CreateFAdd(b_.CreateFAdd(b_.CreateFAdd(lane[0], lane[1]), b_.CreateFAdd(lane[2], lane[3])),
                                 b_.CreateFAdd(b_.CreateFAdd(lane[4], lane[5]), b_.CreateFAdd(lane[6], lane[7])));
    Value* mean = b_.CreateFDiv(total, llvm::ConstantFP::get(b_.getDoubleTy(), static_cast<double>(n)));
    return b_.CreateFPTrunc(mean, b_.getFloatTy());
  }

  void emit_loops(const Segment& seg, bool last) {
    const StageShape out = seg.ops.empty() ? seg.source : seg.ops.back().out;
    const DType out_dtype = seg.ops.empty() ? seg.source_dtype : seg.ops.back().out_dtype;
    Value* target = last ? destination_ : at(b_.getInt8Ty(), scratch_, seg.scratch_offset);
    const int top = static_cast<int>(seg.ops.size()) - 1;
    const std::int64_t b = last ? 0 : seg.border;
    const StageShape framed{out.c, out.h + 2 * b, out.w + 2 * b};
    if (b > 0) {
      // The frame first (the whole plane: simpler than its four sides, and small next to
      // the segment's work); the elements then overwrite its inside.
      Value* fill = llvm::ConstantFP::get(type_of(out_dtype), static_cast<double>(seg.border_fill));
      loop(framed.elements(), "frame", [&](Value* k) { b_.CreateStore(fill, at(type_of(out_dtype), target, k)); });
    }
    auto store = [&](Value* v, Value* c, Value* y, Value* x) {
      Value* index = b > 0 ? element_index(framed, c, b_.CreateAdd(y, i64(b)), b_.CreateAdd(x, i64(b)))
                           : element_index(out, c, y, x);
      b_.CreateStore(v, at(type_of(out_dtype), target, index));
    };
    auto element = [&](Value* c, Value* y, Value* x) { store(eval(top, c, y, x), c, y, x); };
    split_crop_ = splittable_crop(seg);
    if (split_crop_ < 0 && flattens(seg, out)) {
      // One loop over every output element, (c, y, x) decomposed from its number with
      // i32 divisions by constants: an affine gathers anyway, and a single long loop
      // fills whole vectors where each row would be one part-filled vector.
      const std::int64_t plane = out.h * out.w;
      loop(out.elements(), "k", [&](Value* k) {
        Value* k32 = b_.CreateTrunc(k, b_.getInt32Ty());
        Value* c32 = b_.CreateUDiv(k32, u32(static_cast<std::uint32_t>(plane)));
        Value* r32 = b_.CreateSub(k32, b_.CreateMul(c32, u32(static_cast<std::uint32_t>(plane))));
        Value* y32 = b_.CreateUDiv(r32, u32(static_cast<std::uint32_t>(out.w)));
        Value* x32 = b_.CreateSub(r32, b_.CreateMul(y32, u32(static_cast<std::uint32_t>(out.w))));
        auto* i64t = b_.getInt64Ty();
        Value *c = b_.CreateZExt(c32, i64t), *y = b_.CreateZExt(y32, i64t), *x = b_.CreateZExt(x32, i64t);
        Value* v = eval(top, c, y, x);
        if (b > 0) store(v, c, y, x);
        else b_.CreateStore(v, at(type_of(out_dtype), target, k));
      });
      return;
    }
    if (split_crop_ < 0 && b == 0 && row_free(seg)) {
      // No op moves elements (flips, if any, are off in this version): one loop over each
      // plane, not a loop per row, so a plane of 28 × 28 is 49 whole vectors.
      const std::int64_t plane = out.h * out.w;
      loop(out.c, "c", [&](Value* c) { loop(plane, "x", [&](Value* k) { element(c, i64(0), k); }); });
      return;
    }
    if (split_crop_ < 0) {
      loop(out.c, "c", [&](Value* c) {
        loop(out.h, "y", [&](Value* y) { loop(out.w, "x", [&](Value* x) { element(c, y, x); }); });
      });
      return;
    }
    // Each output row of the crop is [0, a) outside the image, [a, b) inside, [b, w)
    // outside (a = b = w for a row above or below it). Inside, reads are consecutive
    // with no bounds test, so the loop vectorises; outside is the stage's zero.
    const LoopOp& crop = seg.ops[static_cast<std::size_t>(split_crop_)];
    Value* shift_y = b_.CreateSub(int_params_[static_cast<std::size_t>(crop.slot)], i64(crop.padding));
    Value* shift_x = b_.CreateSub(int_params_[static_cast<std::size_t>(crop.slot + 1)], i64(crop.padding));
    Value* first_in = clamp_i64(b_.CreateNeg(shift_x), 0, out.w);
    Value* end_in = clamp_i64(b_.CreateSub(i64(crop.in.w), shift_x), 0, out.w);
    loop(out.c, "c", [&](Value* c) {
      loop(out.h, "y", [&](Value* y) {
        Value* sy = b_.CreateAdd(y, shift_y);
        Value* row_in = b_.CreateAnd(b_.CreateICmpSGE(sy, i64(0)), b_.CreateICmpSLT(sy, i64(crop.in.h)));
        Value* a = b_.CreateSelect(row_in, first_in, i64(out.w));
        Value* bnd = b_.CreateSelect(row_in, end_in, i64(out.w));
        crop_part_ = CropPart::Outside;
        loop_range(i64(0), a, "x.before", [&](Value* x) { element(c, y, x); });
        crop_part_ = CropPart::Inside;
        loop_range(a, bnd, "x.inside", [&](Value* x) { element(c, y, x); });
        crop_part_ = CropPart::Outside;
        loop_range(bnd, i64(out.w), "x.after", [&](Value* x) { element(c, y, x); });
        crop_part_ = CropPart::Any;
      });
    });
    split_crop_ = -1;
  }

  // Segments with an affine and no flips, whose rows are shorter than a vector, run as one
  // loop over k (emit_loops), when the element numbers fit in 32 bits. Longer rows keep
  // their row loop (its tail masked): there the row's terms of the affine (y's products)
  // are computed once per row and x needs no division, which made chain G's affine a
  // quarter faster on 28-pixel rows than the flat loop.
  static bool flattens(const Segment& seg, const StageShape& out) {
    bool affine = false;
    for (const LoopOp& op : seg.ops) {
      if (op.kind == AugmentKind::HFlip || op.kind == AugmentKind::VFlip) return false;
      affine = affine || op.kind == AugmentKind::Affine;
    }
    return affine && out.w < kWidestVector && out.elements() < (std::int64_t{1} << 31);
  }

  // Whether element (c, y, x) of the segment depends only on the element (c, y, x) of its
  // source (and of a mixup partner's plane): then the planes can be walked as flat arrays.
  bool row_free(const Segment& seg) const {
    for (std::size_t j = 0; j < seg.ops.size(); ++j) {
      switch (seg.ops[j].kind) {
        case AugmentKind::ToFloat:
        case AugmentKind::Normalize:
        case AugmentKind::Brightness:
        case AugmentKind::Contrast:
        case AugmentKind::Noise:
        case AugmentKind::Clamp:
        case AugmentKind::Mixup: break;
        case AugmentKind::HFlip:
        case AugmentKind::VFlip: {
          auto found = versioned_.find(static_cast<int>(j));
          if (found == versioned_.end() || found->second) return false;
          break;
        }
        default: return false;
      }
    }
    return true;
  }

  // The one crop of a segment whose output coordinates are the segment's (only pointwise
  // ops and cutouts after it), so its valid range splits the rows; -1 when there is none.
  static int splittable_crop(const Segment& seg) {
    int found = -1;
    for (std::size_t j = 0; j < seg.ops.size(); ++j) {
      switch (seg.ops[j].kind) {
        case AugmentKind::Crop:
          if (found >= 0) return -1;
          found = static_cast<int>(j);
          break;
        case AugmentKind::HFlip:
        case AugmentKind::VFlip:
        case AugmentKind::Affine:
        case AugmentKind::Mixup:
          if (found >= 0) return -1;
          break;
        default: break;
      }
    }
    return found;
  }

  void emit_segment(std::size_t s) {
    segment_ = s;
    const Segment& seg = program_.segments[s];
    if (seg.source_segment >= 0)
      segment_source_ = at(b_.getInt8Ty(), scratch_, program_.segments[static_cast<std::size_t>(seg.source_segment)].scratch_offset);
    else if (seg.source_offset_slot >= 0)  // a mixup partner's input: (j − i)·row bytes away
      segment_source_ = b_.CreateGEP(b_.getInt8Ty(), source_, int_params_[static_cast<std::size_t>(seg.source_offset_slot)]);
    else
      segment_source_ = source_;
    segment_mean_ = nullptr;
    if (!seg.ops.empty() && seg.ops.front().kind == AugmentKind::Contrast) segment_mean_ = mean_of_source(seg);
    const bool last = s + 1 == program_.segments.size();

    std::vector<int> flips;
    for (std::size_t j = 0; j < seg.ops.size(); ++j)
      if (seg.ops[j].kind == AugmentKind::HFlip || seg.ops[j].kind == AugmentKind::VFlip)
        flips.push_back(static_cast<int>(j));
    versioned_.clear();
    if (flips.empty() || flips.size() > static_cast<std::size_t>(kMaxVersionedFlips)) {
      emit_loops(seg, last);
      return;
    }
    // One loop nest per combination of the flips' flags, chosen per sample by a switch.
    Value* combo = i64(0);
    for (std::size_t k = 0; k < flips.size(); ++k) {
      Value* bit = b_.CreateZExt(b_.CreateICmpNE(int_params_[static_cast<std::size_t>(seg.ops[static_cast<std::size_t>(flips[k])].slot)], i64(0)), b_.getInt64Ty());
      combo = b_.CreateOr(combo, b_.CreateShl(bit, i64(static_cast<std::int64_t>(k))));
    }
    auto* done = llvm::BasicBlock::Create(ctx_, "versions.end", fn_);
    const unsigned versions = 1u << flips.size();
    auto* dispatch = b_.CreateSwitch(combo, done, versions);
    for (unsigned v = 0; v < versions; ++v) {
      auto* block = llvm::BasicBlock::Create(ctx_, "version", fn_);
      dispatch->addCase(b_.getInt64(v), block);
      b_.SetInsertPoint(block);
      for (std::size_t k = 0; k < flips.size(); ++k) versioned_[flips[k]] = (v >> k) & 1u;
      emit_loops(seg, last);
      b_.CreateBr(done);
    }
    versioned_.clear();
    b_.SetInsertPoint(done);
  }

  // The segment just emitted writes a region no load of it reads (its source, a mixup
  // partner's plane and the parameters are other buffers or other scratch regions), but
  // scratch to scratch is one pointer: say so with scoped alias metadata (its stores in the
  // segment's scope, its loads outside it), so the vectoriser need not give up on gathers.
  void scope_segment_memory() {
    llvm::MDBuilder md(ctx_);
    if (!alias_domain_) alias_domain_ = md.createAnonymousAliasScopeDomain("mlf.scratch");
    llvm::MDNode* scope = md.createAnonymousAliasScope(alias_domain_, "segment");
    llvm::MDNode* list = llvm::MDNode::get(ctx_, {scope});
    for (llvm::BasicBlock& block : *fn_)
      for (llvm::Instruction& inst : block) {
        if (llvm::isa<llvm::LoadInst>(inst) && !inst.getMetadata(llvm::LLVMContext::MD_noalias))
          inst.setMetadata(llvm::LLVMContext::MD_noalias, list);
        else if (llvm::isa<llvm::StoreInst>(inst) && !inst.getMetadata(llvm::LLVMContext::MD_alias_scope))
          inst.setMetadata(llvm::LLVMContext::MD_alias_scope, list);
      }
  }

  llvm::MDNode* alias_domain_ = nullptr;
  const LoopProgram& program_;
  llvm::Module& module_;
  llvm::LLVMContext& ctx_;
  llvm::IRBuilder<> b_;
  llvm::Function* fn_ = nullptr;
  Value *source_ = nullptr, *destination_ = nullptr, *floats_ = nullptr, *ints_ = nullptr,
        *noise_ = nullptr, *scratch_ = nullptr;
  std::vector<Value*> float_params_, int_params_;
  std::size_t segment_ = 0;
  Value* segment_source_ = nullptr;
  Value* segment_mean_ = nullptr;
  std::map<int, bool> versioned_;
  // Which part of a split crop's rows is being emitted (emit_loops).
  enum class CropPart { Any, Inside, Outside };
  int split_crop_ = -1;
  CropPart crop_part_ = CropPart::Any;
};

}  // namespace

void emit_kernel(const LoopProgram& program, llvm::Module& module) {
  Emitter(program, module).emit();
}

}  // namespace mlf::runtime

#include "runtime/fuse/llvm/kernel_codegen.h"

#include <llvm/IR/Constants.h>
#include <llvm/IR/DerivedTypes.h>
#include <llvm/IR/Function.h>
#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/Intrinsics.h>

#include <bit>
#include <cstring>
#include <functional>
#include <map>

#include "runtime/fuse/kernel_compiler.h"

namespace mlf::runtime {
namespace {

using llvm::Value;

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
    for (std::size_t s = 0; s < program_.segments.size(); ++s) emit_segment(s);
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
    b_.CreateCondBr(b_.CreateICmpSLT(next, i64(n)), head, after);
    b_.SetInsertPoint(after);
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
  Value* clamp_index(Value* v, float high) {
    Value* low_or_nan = b_.CreateOr(b_.CreateFCmpUNO(v, v), b_.CreateFCmpOLT(v, f32(-2.0f)));
    Value* clamped = b_.CreateSelect(low_or_nan, f32(-2.0f),
                                     b_.CreateSelect(b_.CreateFCmpOGT(v, f32(high)), f32(high), v));
    return b_.CreateFPToSI(clamped, b_.getInt64Ty());
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
        Value* sy = b_.CreateAdd(y, b_.CreateSub(int_params_[static_cast<std::size_t>(op.slot)], i64(op.padding)));
        Value* sx = b_.CreateAdd(x, b_.CreateSub(int_params_[static_cast<std::size_t>(op.slot + 1)], i64(op.padding)));
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
        Value* index = b_.CreateAdd(element_index(op.in, c, y, x), i64(op.noise_offset));
        Value* z = b_.CreateLoad(b_.getFloatTy(), at(b_.getFloatTy(), noise_, index));
        return b_.CreateFAdd(v, b_.CreateFMul(f32(op.noise_std), z));
      }
      case AugmentKind::Clamp: {
        Value* v = eval(j - 1, c, y, x);
        Value* above = b_.CreateSelect(b_.CreateFCmpOGT(v, f32(op.high)), f32(op.high), v);
        return b_.CreateSelect(b_.CreateFCmpOLT(v, f32(op.low)), f32(op.low), above);
      }
      case AugmentKind::Mixup: break;
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
    Value* x0 = clamp_index(fx0, Wf + 1.0f);
    Value* y0 = clamp_index(fy0, Hf + 1.0f);
    Value* fill = f32(op.fill);
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
    loop(out.c, "c", [&](Value* c) {
      loop(out.h, "y", [&](Value* y) {
        loop(out.w, "x", [&](Value* x) {
          Value* v = eval(top, c, y, x);
          b_.CreateStore(v, at(type_of(out_dtype), target, element_index(out, c, y, x)));
        });
      });
    });
  }

  void emit_segment(std::size_t s) {
    segment_ = s;
    const Segment& seg = program_.segments[s];
    segment_source_ = s == 0 ? source_ : at(b_.getInt8Ty(), scratch_, program_.segments[s - 1].scratch_offset);
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
};

}  // namespace

void emit_kernel(const LoopProgram& program, llvm::Module& module) {
  Emitter(program, module).emit();
}

}  // namespace mlf::runtime

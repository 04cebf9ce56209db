#include "compiler/ast/ast.h"

namespace mlf::ast {

const char* binding_keyword(BindingKind kind) {
  switch (kind) {
    case BindingKind::Dataset: return "dataset";
    case BindingKind::Augment: return "augment";
    case BindingKind::Model: return "model";
    case BindingKind::Stage: return "stage";
  }
  return "?";
}

const char* binary_op_text(BinaryOp op) {
  switch (op) {
    case BinaryOp::Add: return "+";
    case BinaryOp::Subtract: return "-";
    case BinaryOp::Multiply: return "*";
    case BinaryOp::Divide: return "/";
    case BinaryOp::Pipe: return "|>";
    case BinaryOp::Less: return "<";
    case BinaryOp::LessEqual: return "<=";
    case BinaryOp::Greater: return ">";
    case BinaryOp::GreaterEqual: return ">=";
    case BinaryOp::Equal: return "==";
    case BinaryOp::NotEqual: return "!=";
    case BinaryOp::And: return "and";
    case BinaryOp::Or: return "or";
  }
  return "?";
}

}  // namespace mlf::ast

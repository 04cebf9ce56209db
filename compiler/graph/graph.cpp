#include "compiler/graph/graph.h"

namespace mlf {

const char* node_kind_name(NodeKind kind) {
  switch (kind) {
    case NodeKind::Read: return "read";
    case NodeKind::DatasetOp: return "dataset";
    case NodeKind::Augment: return "augment";
    case NodeKind::Train: return "train";
    case NodeKind::Evaluate: return "evaluate";
  }
  return "?";
}

}  // namespace mlf

#include "compiler/syntax/syntax_errors.h"

#include <algorithm>
#include <string>
#include <vector>

#include "MlflowParser.h"

namespace mlf::syntax {

namespace {

using P = mlf_grammar::MlflowParser;

const std::vector<std::size_t>& declaration_keywords() {
  static const std::vector<std::size_t> keywords = {P::PIPELINE, P::SEED,  P::PARAM, P::DATASET,
                                                    P::AUGMENT,  P::MODEL, P::STAGE, P::EXPECT,
                                                    P::EXPORT,   P::SWEEP, P::IMPORT};
  return keywords;
}

const std::vector<std::size_t>& expression_starts() {
  static const std::vector<std::size_t> starts = {
      P::NUMBER, P::STRING, P::TRUE, P::FALSE, P::IDENT, P::LBRACK, P::LPAREN, P::MINUS, P::NOT};
  return starts;
}

bool is_declaration_keyword(std::size_t type) {
  const auto& keywords = declaration_keywords();
  return std::find(keywords.begin(), keywords.end(), type) != keywords.end();
}

bool is_expression_start(std::size_t type) {
  const auto& starts = expression_starts();
  return std::find(starts.begin(), starts.end(), type) != starts.end();
}

bool is_keyword(std::size_t type) { return type >= P::PIPELINE && type <= P::NOT; }

// How a token type reads in a message.
std::string token_name(std::size_t type, const antlr4::dfa::Vocabulary& vocabulary) {
  switch (type) {
    case antlr4::Token::EOF: return "end of file";
    case P::IDENT: return "a name";
    case P::NUMBER: return "a number";
    case P::STRING:
    case P::UNTERMINATED_STRING: return "a string";
    default: break;
  }
  std::string literal = vocabulary.getLiteralName(type);  // "'pipeline'"
  if (literal.size() >= 2) literal = literal.substr(1, literal.size() - 2);
  return "`" + literal + "`";
}

// Listing order: separators first, closing brackets and the end of the file last.
int listing_rank(std::size_t type) {
  if (type == antlr4::Token::EOF) return 3;
  if (type == P::RPAREN || type == P::RBRACK || type == P::RBRACE) return 2;
  if (type == P::COMMA) return 0;
  return 1;
}

std::string join_alternatives(const std::vector<std::string>& items) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += i + 1 == items.size() ? " or " : ", ";
    out += items[i];
  }
  return out;
}

// A bracket the parser is inside of: the innermost call, list, block, parenthesis, sweep body
// or list type.
struct OpenBracket {
  antlr4::Token* open = nullptr;
  std::size_t close = 0;
  enum class Kind { None, Call, List, Block, Parenthesis, Sweep, Type } kind = Kind::None;
};

OpenBracket innermost_bracket(antlr4::ParserRuleContext* context) {
  for (antlr4::tree::ParseTree* node = context; node != nullptr; node = node->parent) {
    if (auto* call = dynamic_cast<P::CallContext*>(node)) {
      if (call->LPAREN()) return {call->LPAREN()->getSymbol(), P::RPAREN, OpenBracket::Kind::Call};
    } else if (auto* list = dynamic_cast<P::ListContext*>(node)) {
      if (list->LBRACK()) return {list->LBRACK()->getSymbol(), P::RBRACK, OpenBracket::Kind::List};
    } else if (auto* block = dynamic_cast<P::BlockContext*>(node)) {
      if (block->LBRACK())
        return {block->LBRACK()->getSymbol(), P::RBRACK, OpenBracket::Kind::Block};
    } else if (auto* paren = dynamic_cast<P::ParenthesizedContext*>(node)) {
      if (paren->LPAREN())
        return {paren->LPAREN()->getSymbol(), P::RPAREN, OpenBracket::Kind::Parenthesis};
    } else if (auto* sweep = dynamic_cast<P::SweepDeclContext*>(node)) {
      if (sweep->LBRACE())
        return {sweep->LBRACE()->getSymbol(), P::RBRACE, OpenBracket::Kind::Sweep};
      return {};
    } else if (auto* type = dynamic_cast<P::TypeExprContext*>(node)) {
      if (type->LBRACK()) return {type->LBRACK()->getSymbol(), P::RBRACK, OpenBracket::Kind::Type};
    } else if (dynamic_cast<P::DeclContext*>(node)) {
      return {};
    }
  }
  return {};
}

// The top-level declaration being parsed, or null between declarations.
const void* top_level_declaration(antlr4::ParserRuleContext* context) {
  const void* declaration = nullptr;
  for (antlr4::tree::ParseTree* node = context; node != nullptr; node = node->parent) {
    if (dynamic_cast<P::DeclContext*>(node) && dynamic_cast<P::ProgramContext*>(node->parent))
      declaration = node;
  }
  return declaration;
}

// The declaration form, for a help line when the error is in a declaration's own tokens.
std::string declaration_form(antlr4::ParserRuleContext* context) {
  if (dynamic_cast<P::PipelineDeclContext*>(context))
    return "a pipeline is named as `pipeline NAME`";
  if (dynamic_cast<P::ParamDeclContext*>(context))
    return "a param is declared as `param NAME: TYPE = VALUE`";
  if (auto* binding = dynamic_cast<P::BindingDeclContext*>(context)) {
    std::string keyword = binding->kind ? binding->kind->getText() : "stage";
    return "a " + keyword + " is declared as `" + keyword + " NAME = VALUE`";
  }
  if (dynamic_cast<P::ExportDeclContext*>(context))
    return "an export is written `export NODE to \"PATH\"`";
  if (dynamic_cast<P::SweepDeclContext*>(context))
    return "a sweep is written `sweep NAME in [VALUE, ...] { DECLARATIONS }`";
  if (dynamic_cast<P::ImportDeclContext*>(context))
    return "an import is written `import \"FILE.mlflow\"`";
  return "";
}

std::string shortened(const std::string& text) {
  constexpr std::size_t kMaxShown = 32;
  if (text.size() <= kMaxShown) return text;
  std::size_t cut = kMaxShown - 3;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return text.substr(0, cut) + "...";
}

}  // namespace

antlr4::Token* RecoveryStrategy::singleTokenDeletion(antlr4::Parser* parser) {
  if (is_declaration_keyword(parser->getCurrentToken()->getType())) return nullptr;
  return DefaultErrorStrategy::singleTokenDeletion(parser);
}

void SyntaxErrorListener::syntaxError(antlr4::Recognizer* recognizer, antlr4::Token* found,
                                      std::size_t, std::size_t, const std::string&,
                                      std::exception_ptr error) {
  auto* parser = dynamic_cast<antlr4::Parser*>(recognizer);
  if (parser == nullptr || found == nullptr || reported_ >= kMaxSyntaxErrors) return;
  antlr4::ParserRuleContext* context = parser->getContext();
  if (const void* declaration = top_level_declaration(context)) {
    if (!declarations_with_errors_.insert(declaration).second) return;
  }

  antlr4::misc::IntervalSet expected_set;
  bool have_expected = false;
  if (error) {
    try {
      std::rethrow_exception(error);
    } catch (const antlr4::RecognitionException& recognition) {
      expected_set = recognition.getExpectedTokens();
      have_expected = true;
    } catch (...) {
    }
  }
  if (!have_expected) expected_set = parser->getExpectedTokens();
  std::vector<std::size_t> expected;
  for (ssize_t type : expected_set.toList())
    expected.push_back(type < 0 ? antlr4::Token::EOF : static_cast<std::size_t>(type));
  auto expects = [&](std::size_t type) {
    return std::find(expected.begin(), expected.end(), type) != expected.end();
  };

  std::size_t found_type = found->getType();
  bool at_end = found_type == antlr4::Token::EOF;

  // The token before the one found, on the parser's channel.
  antlr4::Token* previous = nullptr;
  for (std::size_t i = found->getTokenIndex(); i > 0 && i != INVALID_INDEX;) {
    antlr4::Token* candidate = tokens_.get(--i);
    if (candidate->getChannel() == antlr4::Token::DEFAULT_CHANNEL) {
      previous = candidate;
      break;
    }
  }

  OpenBracket bracket = innermost_bracket(context);
  bool closer_expected = bracket.open != nullptr && expects(bracket.close);
  bool sequence = bracket.kind == OpenBracket::Kind::Call ||
                  bracket.kind == OpenBracket::Kind::List ||
                  bracket.kind == OpenBracket::Kind::Block;
  // After an element ANTLR has left the loop and expects only the closing bracket, though a
  // comma is just as welcome; after a trailing comma, so is another element.
  if (closer_expected && sequence && expected.size() == 1 && previous != nullptr &&
      previous != bracket.open) {
    if (previous->getType() == P::COMMA) {
      const auto& starts = expression_starts();
      expected.insert(expected.end(), starts.begin(), starts.end());
    } else {
      expected.push_back(P::COMMA);
    }
  }

  // Keywords may name arguments (`model:`), but listing them as expected would only confuse.
  if (bracket.kind == OpenBracket::Kind::Call) {
    static const std::vector<std::size_t> kArgumentNameKeywords = {
        P::PIPELINE, P::SEED, P::PARAM, P::DATASET, P::AUGMENT, P::MODEL, P::STAGE,
        P::EXPECT, P::EXPORT, P::TO, P::SWEEP, P::IN, P::IMPORT};
    expected.erase(std::remove_if(expected.begin(), expected.end(),
                                  [](std::size_t t) {
                                    return std::find(kArgumentNameKeywords.begin(),
                                                     kArgumentNameKeywords.end(),
                                                     t) != kArgumentNameKeywords.end();
                                  }),
                   expected.end());
  }

  // Describe the expected set: whole categories first, then single tokens.
  std::vector<std::string> items;
  std::vector<std::size_t> rest = expected;
  auto take_all = [&](const std::vector<std::size_t>& group) {
    if (!std::all_of(group.begin(), group.end(), [&](std::size_t t) { return expects(t); }))
      return false;
    rest.erase(std::remove_if(rest.begin(), rest.end(),
                              [&](std::size_t t) {
                                return std::find(group.begin(), group.end(), t) != group.end();
                              }),
               rest.end());
    return true;
  };
  bool wants_declaration = take_all(declaration_keywords());
  if (wants_declaration) {
    items.push_back("a declaration (`dataset`, `model`, `stage`, ...)");
    rest.erase(std::remove(rest.begin(), rest.end(), antlr4::Token::EOF), rest.end());
  }
  bool wants_expression = take_all(expression_starts());
  if (wants_expression)
    items.push_back(bracket.kind == OpenBracket::Kind::Call && closer_expected ? "an argument"
                                                                               : "an expression");
  bool wants_type =
      bracket.kind != OpenBracket::Kind::Type &&
      (dynamic_cast<P::TypeExprContext*>(context) || dynamic_cast<P::ParamDeclContext*>(context)) &&
      take_all({P::IDENT, P::LBRACK});
  if (wants_type) items.push_back("a type such as `float` or `[int]`");
  std::stable_sort(rest.begin(), rest.end(),
                   [](std::size_t a, std::size_t b) { return listing_rank(a) < listing_rank(b); });
  const auto& vocabulary = parser->getVocabulary();
  for (std::size_t type : rest) items.push_back(token_name(type, vocabulary));
  std::string description = items.empty() ? "something else" : join_alternatives(items);

  std::string found_text = at_end ? "end of file" : "`" + shortened(found->getText()) + "`";
  Span span = spans_.token(found);
  if (at_end && previous != nullptr) {
    Span last = spans_.token(previous);
    span = Span{last.file, last.end, last.end};
  }

  auto builder = diagnostics_.report(DiagnosticKind::SyntaxError, span,
                                     "expected " + description + ", found " + found_text);
  builder.primary_label(at_end ? "the file ends here" : "expected " + description + " here");
  if (closer_expected && bracket.kind != OpenBracket::Kind::Sweep) {
    std::string open_text = "`" + bracket.open->getText() + "`";
    if (at_end)
      builder.label(spans_.token(bracket.open), "unclosed " + open_text);
    else if (is_declaration_keyword(found_type))
      builder.label(spans_.token(bracket.open), "this " + open_text + " is still open");
  } else if (at_end && bracket.kind == OpenBracket::Kind::Sweep && expects(P::RBRACE)) {
    builder.label(spans_.token(bracket.open), "unclosed `{`");
  }

  // One help line, for the most likely slip.
  std::string help;
  bool names_wanted = expects(P::IDENT) || wants_expression;
  bool value_missing = wants_expression && is_declaration_keyword(found_type);
  if (is_keyword(found_type) && found_type != P::TRUE && found_type != P::FALSE &&
      found_type != P::NOT && names_wanted && !wants_declaration && !value_missing) {
    help = "`" + found->getText() + "` is a keyword and cannot be used as a name";
  } else if (wants_declaration && found_type == P::IDENT) {
    std::vector<std::string> keywords;
    for (std::size_t type : declaration_keywords()) {
      std::string name = token_name(type, vocabulary);
      keywords.push_back(name.substr(1, name.size() - 2));
    }
    std::string nearest = nearest_name(found->getText(), keywords);
    if (!nearest.empty())
      help = "declarations start with a keyword; the closest one is `" + nearest + "`";
    else
      help =
          "every declaration starts with one of the keywords `pipeline`, `seed`, `param`, "
          "`dataset`, `augment`, `model`, `stage`, `expect`, `export`, `sweep` or `import`";
  } else if (found_type == P::ASSIGN && bracket.kind == OpenBracket::Kind::Call) {
    help = "named arguments are written `name: value`";
  } else if (is_expression_start(found_type) && sequence && closer_expected && expects(P::COMMA)) {
    help = bracket.kind == OpenBracket::Kind::Call ? "separate the arguments with `,`"
                                                   : "separate the elements with `,`";
  }
  if (help.empty() && dynamic_cast<P::DeclContext*>(context)) help = declaration_form(context);
  if (!help.empty()) builder.help(help);
  ++reported_;
}

}  // namespace mlf::syntax

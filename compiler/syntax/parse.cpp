#include "compiler/syntax/parse.h"

#include <limits>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "MlflowLexer.h"
#include "MlflowParser.h"
#include "antlr4-runtime.h"
#include "compiler/syntax/ascii_char_stream.h"
#include "compiler/syntax/ast_builder.h"
#include "compiler/syntax/literals.h"
#include "compiler/syntax/nesting_scan.h"
#include "compiler/syntax/source_check.h"
#include "compiler/syntax/syntax_errors.h"
#include "compiler/syntax/token_spans.h"

namespace mlf {

namespace {

using P = mlf_grammar::MlflowParser;

// A token stream whose buffer is sized for the file up front. Growing it by doubling freed
// each old buffer into the heap, where it sent every token allocation after it down
// malloc's slow path.
class PresizedTokenStream : public antlr4::CommonTokenStream {
 public:
  PresizedTokenStream(antlr4::TokenSource* source, std::size_t text_bytes)
      : CommonTokenStream(source) {
    // At most one token per byte, plus EOF; pages of the reserve that are not used are never
    // touched.
    _tokens.reserve(text_bytes + 1);
  }
};

// Lexer diagnostics of one kind past this many are dropped (a binary file would otherwise
// yield one per byte).
constexpr int kMaxLexicalErrors = 10;

// The generated recognizers share their DFA caches between instances; one parse at a time.
std::mutex& antlr_mutex() {
  static std::mutex mutex;
  return mutex;
}

std::uint32_t code_point_of(std::string_view utf8) {
  auto byte = [&](std::size_t i) {
    return static_cast<std::uint32_t>(static_cast<unsigned char>(utf8[i]));
  };
  if (utf8.empty()) return 0;
  std::uint32_t lead = byte(0);
  if (lead < 0x80 || utf8.size() < 2) return lead;
  if (lead < 0xE0) return ((lead & 0x1F) << 6) | (byte(1) & 0x3F);
  if (lead < 0xF0 || utf8.size() < 4)
    return ((lead & 0x0F) << 12) | ((byte(1) & 0x3F) << 6) | (byte(2) & 0x3F);
  return ((lead & 0x07) << 18) | ((byte(1) & 0x3F) << 12) | ((byte(2) & 0x3F) << 6) |
         (byte(3) & 0x3F);
}

std::string code_point_name(std::uint32_t code_point) {
  static const char* digits = "0123456789ABCDEF";
  std::string hex;
  for (int shift = code_point > 0xFFFF ? 20 : 12; shift >= 0; shift -= 4)
    hex += digits[(code_point >> shift) & 15];
  return "U+" + hex;
}

void report_invalid_character(DiagnosticEngine& diagnostics, Span span, std::string_view text) {
  std::uint32_t code_point = code_point_of(text);
  std::string shown;
  if (code_point >= 0x21 && code_point < 0x7F)
    shown = "`" + std::string(text) + "`";
  else if (code_point >= 0xA0 && code_point != 0xAD &&
           !(code_point >= 0x2000 && code_point <= 0x200F) && code_point != 0xFEFF)
    shown = "`" + std::string(text) + "` (" + code_point_name(code_point) + ")";
  else
    shown = code_point_name(code_point);

  std::string help;
  switch (code_point) {
    case '\'': help = "strings are written in double quotes: `\"...\"`"; break;
    case ';': help = "declarations need no separator; remove the `;`"; break;
    case '&': help = "write `and` to combine conditions"; break;
    case '|': help = "write `or` to combine conditions, or `|>` to apply an augment chain"; break;
    case '!': help = "write `not` to negate a condition, or `!=` for inequality"; break;
    case 0x201C:
    case 0x201D:
    case 0x2018:
    case 0x2019:
      help = "this is a typographic quote; strings are written in plain double quotes `\"`";
      break;
    default:
      if (code_point >= 0x80)
        help =
            "outside strings and comments only ASCII is allowed; names use letters, digits "
            "and `_`";
      break;
  }
  auto builder =
      diagnostics.report(DiagnosticKind::InvalidCharacter, span, "unexpected character " + shown);
  builder.primary_label("not part of the language");
  if (!help.empty()) builder.help(help);
}

// Comments, and the problems the lexer found but the parser does not see: characters outside
// the language, unterminated strings, unknown escapes.
void scan_tokens(antlr4::CommonTokenStream& tokens, const syntax::TokenSpans& spans,
                 const SourceFile& file, DiagnosticEngine& diagnostics, ast::Module& module) {
  int invalid_characters = 0, invalid_escapes = 0;
  // By index: getTokens() would copy the whole token list first.
  for (std::size_t index = 0; index < tokens.size(); ++index) {
    antlr4::Token* token = tokens.get(index);
    std::size_t type = token->getType();
    if (type != P::COMMENT && type != P::ERROR_CHAR && type != P::STRING &&
        type != P::UNTERMINATED_STRING)
      continue;
    Span span = spans.token(token);
    std::string_view text(file.text().data() + span.begin, span.end - span.begin);
    if (type == P::COMMENT) {
      // Trailing blanks are not part of a comment.
      while (text.size() > 1 && (text.back() == ' ' || text.back() == '\t' || text.back() == '\f'))
        text.remove_suffix(1);
      span.end = span.begin + static_cast<std::uint32_t>(text.size());
      module.comments.push_back(ast::Comment{std::string(text), span});
      continue;
    }
    if (type == P::ERROR_CHAR) {
      if (++invalid_characters <= kMaxLexicalErrors)
        report_invalid_character(diagnostics, span, text);
      continue;
    }
    if (type == P::UNTERMINATED_STRING) {
      bool at_end_of_file = span.end == file.text().size();
      diagnostics
          .report(DiagnosticKind::UnterminatedString, span,
                  at_end_of_file ? "string is not closed before the end of the file"
                                 : "string is not closed before the end of the line")
          .primary_label("this string has no closing `\"`")
          .help(
              "close the string with `\"`; a string cannot span lines (write `\\n` for a "
              "line break)");
      // The parser takes it as a string, so that it reports nothing more about it.
      if (auto* writable = dynamic_cast<antlr4::WritableToken*>(token))
        writable->setType(P::STRING);
    }
    for (const syntax::BadEscape& escape : syntax::bad_escapes(text)) {
      if (++invalid_escapes > kMaxLexicalErrors) break;
      std::uint32_t begin = span.begin + static_cast<std::uint32_t>(escape.offset);
      Span escape_span{span.file, begin, begin + static_cast<std::uint32_t>(escape.length)};
      diagnostics
          .report(DiagnosticKind::InvalidEscape, escape_span,
                  "unknown escape `" + std::string(text.substr(escape.offset, escape.length)) +
                      "` in string")
          .primary_label("not one of \\\" \\\\ \\n \\t")
          .help("the escapes are `\\\"`, `\\\\`, `\\n` and `\\t`; write `\\\\` for a backslash");
    }
  }
}

// Lexes and parses file.text()[begin, end): first SLL with bail-out, then, only if that
// fails, full LL with recovery and error reports.
void parse_text(const SourceFile& file, std::size_t begin, std::size_t end,
                DiagnosticEngine& diagnostics, ast::Module& module) {
  std::string_view text = std::string_view(file.text()).substr(begin, end - begin);
  syntax::TokenSpans spans(file.id(), text, static_cast<std::uint32_t>(begin));

  std::lock_guard<std::mutex> lock(antlr_mutex());
  std::unique_ptr<antlr4::CharStream> input;
  if (spans.ascii())
    input = std::make_unique<syntax::AsciiCharStream>(text);
  else
    input = std::make_unique<antlr4::ANTLRInputStream>(text.data(), text.size());
  mlf_grammar::MlflowLexer lexer(input.get());
  lexer.removeErrorListeners();
  PresizedTokenStream tokens(&lexer, text.size());
  tokens.fill();
  scan_tokens(tokens, spans, file, diagnostics, module);

  P parser(&tokens);
  parser.removeErrorListeners();
  auto* simulator = parser.getInterpreter<antlr4::atn::ParserATNSimulator>();
  parser.setErrorHandler(std::make_shared<antlr4::BailErrorStrategy>());
  simulator->setPredictionMode(antlr4::atn::PredictionMode::SLL);
  syntax::SyntaxErrorListener listener(spans, tokens, diagnostics);

  // SLL pass, one declaration at a time: each declaration's parse tree becomes AST and is
  // freed before the next one is parsed, so that the trees of a large file never all exist
  // at once (their memory, fresh pages each, was a good part of the parse). The first pass
  // must leave no trace when it fails, so its own diagnostics (from the AST builder) are
  // kept apart until it has succeeded. SLL prediction does not look past the rule it is in,
  // so parsing `decl` after `decl` decides exactly as parsing `program` would.
  {
    DiagnosticEngine first_pass(std::numeric_limits<std::size_t>::max());
    syntax::AstBuilder builder(spans, first_pass, /*clean_tree=*/true);
    std::vector<ast::DeclPtr> decls;
    bool parsed = true;
    try {
      while (tokens.LA(1) != antlr4::Token::EOF) {
        P::DeclContext* decl = parser.decl();
        if (auto built = builder.declaration(decl)) decls.push_back(std::move(built));
        parser.getTreeTracker().reset();
      }
    } catch (const antlr4::ParseCancellationException&) {
      parsed = false;
    }
    if (parsed) {
      for (Diagnostic& diagnostic : first_pass.sorted()) diagnostics.add(std::move(diagnostic));
      module.decls = std::move(decls);
      return;
    }
  }

  // LL pass with error recovery and reports, over the whole program.
  parser.getTreeTracker().reset();
  parser.reset();  // also rewinds the token stream
  parser.setErrorHandler(std::make_shared<syntax::RecoveryStrategy>());
  simulator->setPredictionMode(antlr4::atn::PredictionMode::LL);
  parser.addErrorListener(&listener);
  P::ProgramContext* program = parser.program();
  syntax::AstBuilder builder(spans, diagnostics, /*clean_tree=*/false);
  module.decls = builder.declarations(program);
}

}  // namespace

ast::Module parse_module(const SourceFile& file, DiagnosticEngine& diagnostics,
                         const ParseLimits& limits) {
  ast::Module module;
  module.file = file.id();
  if (!syntax::check_source_bytes(file, diagnostics, limits)) return module;

  std::string_view text = file.text();
  // A byte-order mark is allowed and skipped.
  std::size_t begin = text.substr(0, 3) == "\xEF\xBB\xBF" ? 3 : 0;
  std::size_t end = syntax::scan_nesting(file, begin, text.size(), diagnostics, limits);
  try {
    parse_text(file, begin, end, diagnostics, module);
  } catch (const std::exception& error) {
    module.decls.clear();
    diagnostics
        .report(DiagnosticKind::SyntaxError, Span{file.id(), 0, 0},
                std::string("internal error in the parser: ") + error.what())
        .note("this is a bug in mlf; please report it with the file that caused it");
  }
  return module;
}

void clear_parser_caches() {
  std::lock_guard<std::mutex> lock(antlr_mutex());
  antlr4::ANTLRInputStream input("");
  mlf_grammar::MlflowLexer lexer(&input);
  antlr4::CommonTokenStream tokens(&lexer);
  P parser(&tokens);
  lexer.getInterpreter<antlr4::atn::LexerATNSimulator>()->clearDFA();
  parser.getInterpreter<antlr4::atn::ParserATNSimulator>()->clearDFA();
}

}  // namespace mlf

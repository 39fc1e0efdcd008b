// Tokens of the scenario language. Pull-based with one token of lookahead kept by the
// parser; `(* ... *)` comments come out as tokens so the parser can keep the header comment
// and skip the others.
#pragma once

#include "litmus/diag.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace litmus {

enum class Tok : std::uint8_t {
	eof,
	ident,   // [A-Za-z_][A-Za-z0-9_]*, inner '-' allowed: use-after-free
	number,  // 0x1f, 42, 4K, 2M, 1G (validated by whoever reads it)
	string,  // "...": the text between the quotes
	comment, // (* ... *): the text between the markers
	lbrace,
	rbrace,
	lparen,
	rparen,
	eq,    // =
	neq,   // !=
	comma, // ,
	semi,  // ;
	colon, // :
	pipe,  // |
	tilde, // ~
	minus, // -
	and_,  // /\  .
	or_,   // \/  .
};


struct Token {
	Tok kind = Tok::eof;
	std::string_view text; // as written (for strings and comments: without the delimiters)
	Loc loc;
};

struct Header;
class Lexer;
// Reads Link:, Fix: and Result: lines from the header comment `t` into `h` (header.cpp).
// Throws Error through `lx` on a malformed Fix: or Result: line.
void parse_header_comment(Header& h, const Token& t, const Lexer& lx);

class Lexer {
public:
	Lexer(std::string_view src, std::string file) : src_(src), file_(std::move(file)) {}
	// The next token; throws Error on an unterminated comment or string or a stray character.
	Token next();
	// The rest of the current line up to white space, as one token (the scenario name after
	// `mmcheck`, which may hold '/' and '+'). Empty text at end of line.
	Token word();
	const std::string& file() const { return file_; }
	[[noreturn]] void fail(Loc loc, std::string message) const;

private:
	void skip_space();
	Loc here(std::size_t len) const;
	char peek(std::size_t ahead = 0) const { return pos_ + ahead < src_.size() ? src_[pos_ + ahead] : '\0'; }
	void advance(std::size_t n);

	std::string_view src_;
	std::string file_;
	std::size_t pos_ = 0;
	int line_ = 1;
	std::size_t line_start_ = 0;
};

} // namespace litmus

#include "litmus/lexer.hpp"

namespace litmus {
namespace {

bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}
bool is_alnum(char c)
{
	return is_alpha(c) || is_digit(c);
}

} // namespace

void Lexer::fail(Loc loc, std::string message) const
{
	throw Error(file_, loc, std::move(message));
}

Loc Lexer::here(std::size_t len) const
{
	int col = static_cast<int>(pos_ - line_start_) + 1;
	return {line_, col, col + static_cast<int>(len == 0 ? 0 : len - 1)};
}

void Lexer::advance(std::size_t n)
{
	for (std::size_t i = 0; i < n && pos_ < src_.size(); ++i) {
		if (src_[pos_++] == '\n') {
			++line_;
			line_start_ = pos_;
		}
	}
}

void Lexer::skip_space()
{
	while (pos_ < src_.size()) {
		char c = src_[pos_];
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
			advance(1);
		else
			break;
	}
}

Token Lexer::word()
{
	while (peek() == ' ' || peek() == '\t')
		advance(1);
	const std::size_t start = pos_;
	std::size_t len = 0;
	while (start + len < src_.size() && src_[start + len] > ' ' && src_[start + len] != '"')
		++len;
	Token t{Tok::ident, src_.substr(start, len), here(len)};
	advance(len);
	return t;
}

Token Lexer::next()
{
	skip_space();
	if (pos_ >= src_.size())
		return {Tok::eof, {}, here(0)};
	const char c = src_[pos_];
	auto single = [&](Tok k, std::size_t len) {
		Token t{k, src_.substr(pos_, len), here(len)};
		advance(len);
		return t;
	};
	if (c == '(' && peek(1) == '*') {
		Loc open = here(2);
		std::size_t end = src_.find("*)", pos_ + 2);
		if (end == std::string_view::npos)
			fail(open, "unterminated comment (expected '*)' before the end of the file)");
		Token t{Tok::comment, src_.substr(pos_ + 2, end - pos_ - 2), open};
		advance(end + 2 - pos_);
		return t;
	}
	if (c == '"') {
		Loc open = here(1);
		std::size_t end = pos_ + 1;
		while (end < src_.size() && src_[end] != '"' && src_[end] != '\n')
			++end;
		if (end >= src_.size() || src_[end] != '"')
			fail(open, "unterminated string (expected '\"' before the end of the line)");
		Token t{Tok::string, src_.substr(pos_ + 1, end - pos_ - 1), here(end + 1 - pos_)};
		advance(end + 1 - pos_);
		return t;
	}
	if (is_alpha(c)) {
		std::size_t len = 1;
		while (is_alnum(peek(len)) || (peek(len) == '-' && is_alnum(peek(len + 1))))
			++len;
		return single(Tok::ident, len);
	}
	if (is_digit(c)) {
		std::size_t len = 1;
		while (is_alnum(peek(len)))
			++len;
		return single(Tok::number, len);
	}
	switch (c) {
	case '{':
		return single(Tok::lbrace, 1);
	case '}':
		return single(Tok::rbrace, 1);
	case '(':
		return single(Tok::lparen, 1);
	case ')':
		return single(Tok::rparen, 1);
	case '=':
		return single(Tok::eq, 1);
	case ',':
		return single(Tok::comma, 1);
	case ';':
		return single(Tok::semi, 1);
	case ':':
		return single(Tok::colon, 1);
	case '|':
		return single(Tok::pipe, 1);
	case '~':
		return single(Tok::tilde, 1);
	case '-':
		return single(Tok::minus, 1);
	case '!':
		if (peek(1) == '=')
			return single(Tok::neq, 2);
		break;
	case '/':
		if (peek(1) == '\\')
			return single(Tok::and_, 2);
		break;
	case '\\':
		if (peek(1) == '/')
			return single(Tok::or_, 2);
		break;
	default:
		break;
	}
	// One character, or one whole UTF-8 sequence, shown as found.
	std::size_t len = 1;
	while ((static_cast<unsigned char>(c) & 0xC0) == 0xC0 &&
	       (static_cast<unsigned char>(peek(len)) & 0xC0) == 0x80 && len < 4)
		++len;
	fail(here(1), "unexpected '" + std::string(src_.substr(pos_, len)) + "'");
}

} // namespace litmus

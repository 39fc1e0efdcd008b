#include "sim/frame.hpp"

#include "sim/engine.hpp"

namespace sim {

// Frames outside a schedule (plain sequential use of the model) are not recorded anywhere.
Frame::Frame(const char* n) : name(n), up(nullptr)
{
	if (Engine* e = Engine::active()) {
		if (Task* t = e->current()) {
			up = t->frames;
			t->frames = this;
		}
	}
}

Frame::~Frame()
{
	if (Engine* e = Engine::active()) {
		if (Task* t = e->current(); t && t->frames == this)
			t->frames = up;
	}
}

} // namespace sim

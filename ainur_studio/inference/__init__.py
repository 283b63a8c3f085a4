"""Generation: `inference.generate.generate(request, pack, ...)` runs every task (new,
variation, repaint, extend, long-form, interpolate, best-of) on a loaded model pack."""

"""Generation: `inference.generate.generate(request, pack, ...)` runs every task (new,
variation, repaint, extend, long-form, interpolate, best-of, add-parts) on a loaded model pack,
returning the stems of each output when the pack's prior makes stems."""

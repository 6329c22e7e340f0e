//! Stage 6: the handbook, PDF chapters in the style of NYT SAMMEN BEDRE.

"""Figures for the manifold explainer: every model is trained, every figure drawn, at build time."""

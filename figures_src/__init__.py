"""Figures for the manifold explainer: every model is trained and every figure drawn at build time."""

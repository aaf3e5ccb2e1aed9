"""The demo workspace: a realistic MSP service desk, built deterministically from a seed."""

from demo.build import DemoExists, build_demo, catalogue

__all__ = ["DemoExists", "build_demo", "catalogue"]

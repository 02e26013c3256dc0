"""Every write that touches more than one row goes through a function here.

Functions are named <entity>_<action>, take keyword-only arguments and run in a transaction.
"""

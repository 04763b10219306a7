"""What runs inside the sandbox for a Python plan. These files are shipped as the worker's own
modules (package ``_codemode``), so they may import the standard library and each other only;
the host imports `plan` too, to test the same code it ships."""

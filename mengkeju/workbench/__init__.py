"""The workbench (工作台): each role's landing page after login, gathering what waits for the user."""

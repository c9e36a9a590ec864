"""What people use: the CLI, the chat, the similar tab, the HTTP API, rendering and exports."""

"""Question answering over written parliamentary questions and answers, with cited passages."""

"""Migration operations that apply to one database vendor only."""

from django.db import migrations


class PostgreSQLOnly(migrations.operations.base.Operation):
    """Run the wrapped operation on PostgreSQL, do nothing elsewhere (e.g. a GIN full-text index)."""

    reduces_to_sql = True
    reversible = True

    def __init__(self, operation):
        self.operation = operation

    def deconstruct(self):
        return self.__class__.__qualname__, [self.operation], {}

    def state_forwards(self, app_label, state):
        pass  # the index is not part of the model state, so SQLite and PostgreSQL states agree

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            to_state = to_state.clone()
            self.operation.state_forwards(app_label, to_state)
            self.operation.database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            from_state = from_state.clone()
            self.operation.state_forwards(app_label, from_state)
            self.operation.database_backwards(app_label, schema_editor, from_state, to_state)

    def describe(self):
        return f"On PostgreSQL only: {self.operation.describe()}"

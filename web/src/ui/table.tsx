// A data table's header row: one column header per name, and with `actions` a last column for the
// row's buttons, named "Actions" for screen readers only.
export function TableHead({ cols, actions = false }: { cols: readonly string[]; actions?: boolean }) {
  return (
    <thead>
      <tr>
        {cols.map((c) => (
          <th key={c} scope="col">
            {c}
          </th>
        ))}
        {actions && (
          <th scope="col">
            <span className="visually-hidden">Actions</span>
          </th>
        )}
      </tr>
    </thead>
  );
}

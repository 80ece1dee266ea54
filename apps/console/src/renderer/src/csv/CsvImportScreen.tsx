import type { CsvImportResult } from "@orderdeck/contracts";
import { useState } from "react";
import { hrefOf } from "../navigation/hash-router.ts";
import type { ScreenProps } from "../navigation/screens.ts";
import { Button } from "../ui/Button.tsx";
import { ErrorMessage } from "../ui/ErrorMessage.tsx";
import { useTRPC } from "../trpc.ts";
import { useAction } from "../ui/action.ts";

/**
 * Jobs from a CSV file (the columns of the export): first a dry run that checks every row and lists
 * what is wrong by line and column, changing nothing; then the import, which takes every row or none.
 */
export function CsvImportScreen({ online }: ScreenProps) {
  const [file, setFile] = useState<{ name: string; text: string } | null>(null);
  const [checked, setChecked] = useState<CsvImportResult | null>(null);
  const [imported, setImported] = useState<CsvImportResult | null>(null);
  const run = useAction(useTRPC().online.admin.intake.importCsv.mutationOptions());

  const choose = async (chosen: File | undefined) => {
    setChecked(null);
    setImported(null);
    setFile(chosen ? { name: chosen.name, text: await chosen.text() } : null);
  };
  const check = async () => {
    if (!file) return;
    const answer = await run.run({ csv: file.text, dryRun: true });
    if (answer) setChecked(answer);
  };
  const importAll = async () => {
    if (!file) return;
    const answer = await run.run({ csv: file.text, dryRun: false });
    if (answer) {
      setImported(answer);
      setChecked(null);
    }
  };

  return (
    <section className="screen csv-import" aria-labelledby="csv-heading">
      <h1 id="csv-heading">Import jobs from CSV</h1>
      <p className="muted">Use the columns of the queue's CSV export. The file is checked first; nothing is imported until every row is right.</p>
      {!online && <p role="status">Offline: importing needs the server, which cannot be reached right now.</p>}
      <div className="panel">
        <label htmlFor="csv-file">CSV file</label>
        <input id="csv-file" type="file" accept=".csv,text/csv" onChange={(event) => void choose(event.target.files?.[0])} />
        <div className="button-row">
          <Button variant="primary" disabled={!file || !online} busy={run.isPending} busyLabel="Checking…" onClick={() => void check()}>
            Check file
          </Button>
        </div>
      </div>
      <ErrorMessage error={run.error} what="The import" />

      {checked && checked.errorCount > 0 && (
        <div role="alert" aria-label="Problems in the file" className="panel">
          <p>
            {checked.errorCount} problem(s) in {file?.name}: fix them in the file and check it again. Nothing was imported.
          </p>
          <table className="data-table">
            <caption className="visually-hidden">Problems by line and column</caption>
            <thead>
              <tr>
                <th scope="col">Line</th>
                <th scope="col">Column</th>
                <th scope="col">Problem</th>
              </tr>
            </thead>
            <tbody>
              {checked.errors.map((error, index) => (
                <tr key={`${error.line}-${error.column ?? ""}-${index}`}>
                  <td>{error.line}</td>
                  <td>{error.column ?? "(the whole row)"}</td>
                  <td>{error.message}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {checked.errorCount > checked.errors.length && <p>…and {checked.errorCount - checked.errors.length} more.</p>}
        </div>
      )}
      {checked && checked.errorCount === 0 && (
        <div role="status" aria-label="Ready to import" className="panel">
          <p>
            All {checked.rows} row(s) of {file?.name} are right.
          </p>
          <Button variant="primary" busy={run.isPending} busyLabel="Importing…" onClick={() => void importAll()}>
            Import {checked.rows} job(s)
          </Button>
        </div>
      )}
      {imported && (
        <p role="status" aria-label="Imported">
          Imported {imported.created} job(s). <a href={hrefOf("/board")}>See them in the queue</a>
        </p>
      )}
    </section>
  );
}

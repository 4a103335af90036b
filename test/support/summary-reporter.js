/**
 * Prints one plain closing line, "N passed, N failed, N skipped", after jest's own summary, so that
 * tools reading the last lines of a run (CI included) see how many tests ran.
 */
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    process.stderr.write(`\n${results.numPassedTests} passed, ${results.numFailedTests} failed, ${skipped} skipped\n`);
  }
}

module.exports = SummaryReporter;

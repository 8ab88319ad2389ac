/** Runs the simulator on its own: `npm run simulator -- --port 8788` (default: a free port). */
import { startSimulator } from "./server";

const portArg = process.argv.indexOf("--port");
const port = portArg === -1 ? 0 : Number(process.argv[portArg + 1]);
const sim = await startSimulator(port).catch((err: NodeJS.ErrnoException) => {
  process.stderr.write(`simulator: port ${port} is ${err.code === "EADDRINUSE" ? "busy" : `not usable (${err.code ?? String(err)})`}; choose another with --port <port>\n`);
  process.exit(1);
});
process.stdout.write(`upstream simulator listening on ${sim.url}\n`);
const stop = () => void sim.close().then(() => process.exit(0));
process.on("SIGINT", stop);
process.on("SIGTERM", stop);

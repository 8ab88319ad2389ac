/** Runs the simulator on its own: `tsx test/simulator/main.ts --port 8788`. */
import { startSimulator } from "./server";

const portArg = process.argv.indexOf("--port");
const port = portArg === -1 ? 8788 : Number(process.argv[portArg + 1]);
const sim = await startSimulator(port);
process.stdout.write(`upstream simulator listening on ${sim.url}\n`);
const stop = () => void sim.close().then(() => process.exit(0));
process.on("SIGINT", stop);
process.on("SIGTERM", stop);

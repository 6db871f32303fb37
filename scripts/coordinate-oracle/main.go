// coordinate-oracle prints golden vectors for swift-gossip's Vivaldi client: sequences of observations fed to
// Serf's own coordinate package (github.com/hashicorp/serf/coordinate), with every coordinate after every update,
// as JSON with each float64 as the hex of its bits. Inputs never make two coordinates coincide, so Serf's random
// direction (used only then) is never drawn and the output is exact.
package main

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand"
	"os"
	"time"

	"github.com/hashicorp/serf/coordinate"
)

type coord struct {
	Vec        []string `json:"vec"`
	Error      string   `json:"error"`
	Adjustment string   `json:"adjustment"`
	Height     string   `json:"height"`
}

type step struct {
	Node     string `json:"node"`
	Other    coord  `json:"other"`
	RTT      int64  `json:"rttNanoseconds"`
	Rejected bool   `json:"rejected"`
	Result   coord  `json:"result"`
	Distance int64  `json:"distanceToOtherNanoseconds"`
	Resets   int    `json:"resets"`
}

type config struct {
	Dimensionality       uint   `json:"dimensionality"`
	VivaldiErrorMax      string `json:"vivaldiErrorMax"`
	VivaldiCE            string `json:"vivaldiCE"`
	VivaldiCC            string `json:"vivaldiCC"`
	AdjustmentWindowSize uint   `json:"adjustmentWindowSize"`
	HeightMin            string `json:"heightMin"`
	LatencyFilterSize    uint   `json:"latencyFilterSize"`
	GravityRho           string `json:"gravityRho"`
}

type scenario struct {
	Name   string `json:"name"`
	Config config `json:"config"`
	Steps  []step `json:"steps"`
}

func bits(f float64) string { return fmt.Sprintf("%016x", math.Float64bits(f)) }

func encode(c *coordinate.Coordinate) coord {
	out := coord{Error: bits(c.Error), Adjustment: bits(c.Adjustment), Height: bits(c.Height)}
	for _, v := range c.Vec {
		out.Vec = append(out.Vec, bits(v))
	}
	return out
}

func encodeConfig(c *coordinate.Config) config {
	return config{c.Dimensionality, bits(c.VivaldiErrorMax), bits(c.VivaldiCE), bits(c.VivaldiCC),
		c.AdjustmentWindowSize, bits(c.HeightMin), c.LatencyFilterSize, bits(c.GravityRho)}
}

// observation makes the next input: a peer's coordinate somewhere around `scale` seconds from the origin, and
// a round-trip time.
type observation func(r *rand.Rand, i int, dims uint) (string, *coordinate.Coordinate, time.Duration)

func peerAt(r *rand.Rand, dims uint, scale float64) *coordinate.Coordinate {
	c := &coordinate.Coordinate{Vec: make([]float64, dims), Error: 0.2 + r.Float64(), Adjustment: (r.Float64() - 0.5) * 1e-3,
		Height: 1e-5 + r.Float64()*1e-3}
	for d := range c.Vec {
		c.Vec[d] = (r.Float64() - 0.5) * scale
	}
	return c
}

func run(name string, cfg *coordinate.Config, steps int, next observation) scenario {
	r := rand.New(rand.NewSource(int64(len(name)) * 7919))
	client, err := coordinate.NewClient(cfg)
	if err != nil {
		panic(err)
	}
	out := scenario{Name: name, Config: encodeConfig(cfg)}
	for i := 0; i < steps; i++ {
		node, other, rtt := next(r, i, cfg.Dimensionality)
		result, err := client.Update(node, other, rtt)
		s := step{Node: node, Other: encode(other), RTT: int64(rtt), Rejected: err != nil}
		if err == nil {
			s.Result = encode(result)
		} else {
			s.Result = encode(client.GetCoordinate())
		}
		if other.IsValid() && len(other.Vec) == len(client.GetCoordinate().Vec) {
			s.Distance = int64(client.DistanceTo(other))
		}
		s.Resets = client.Stats().Resets
		out.Steps = append(out.Steps, s)
	}
	return out
}

func main() {
	var scenarios []scenario
	nodes := []string{"a", "b", "c", "d", "e"}

	// Serf's defaults: five peers at LAN distances, RTTs jittered, so the latency filter's median matters.
	scenarios = append(scenarios, run("lan", coordinate.DefaultConfig(), 200,
		func(r *rand.Rand, i int, dims uint) (string, *coordinate.Coordinate, time.Duration) {
			return nodes[i%5], peerAt(r, dims, 0.01), time.Duration((1 + r.Float64()*9) * float64(time.Millisecond))
		}))
	// Far peers and long RTTs: the coordinate moves far out and gravity pulls it back.
	scenarios = append(scenarios, run("gravity", coordinate.DefaultConfig(), 150,
		func(r *rand.Rand, i int, dims uint) (string, *coordinate.Coordinate, time.Duration) {
			return nodes[i%3], peerAt(r, dims, 40), time.Duration((2 + r.Float64()*7) * float64(time.Second))
		}))
	// Peers close by with tiny RTTs: heights fall to the floor.
	scenarios = append(scenarios, run("height-floor", coordinate.DefaultConfig(), 100,
		func(r *rand.Rand, i int, dims uint) (string, *coordinate.Coordinate, time.Duration) {
			c := peerAt(r, dims, 1e-4)
			c.Height = 1e-5
			return nodes[i%4], c, time.Duration(1000 + r.Intn(5000))
		}))
	// Rejected inputs among good ones: RTTs out of range, a peer's NaN or infinity, another dimensionality, and
	// a peer so far away that the update overflows and the client resets.
	scenarios = append(scenarios, run("rejections-and-reset", coordinate.DefaultConfig(), 60,
		func(r *rand.Rand, i int, dims uint) (string, *coordinate.Coordinate, time.Duration) {
			c := peerAt(r, dims, 0.05)
			rtt := time.Duration((1 + r.Float64()*20) * float64(time.Millisecond))
			switch i % 10 {
			case 3:
				rtt = -time.Millisecond
			case 4:
				rtt = 11 * time.Second
			case 5:
				c.Vec[1] = math.NaN()
			case 6:
				c.Height = math.Inf(1)
			case 7:
				c.Vec = c.Vec[:dims-1]
			case 8:
				c.Vec[0] = 1e300
			case 9:
				rtt = 0
			}
			return nodes[i%5], c, rtt
		}))
	// Another shape: three dimensions, no adjustment window, no latency filter memory, other constants.
	small := coordinate.DefaultConfig()
	small.Dimensionality = 3
	small.AdjustmentWindowSize = 0
	small.LatencyFilterSize = 1
	small.VivaldiCE = 0.5
	small.VivaldiCC = 0.1
	small.GravityRho = 10
	scenarios = append(scenarios, run("small", small, 120,
		func(r *rand.Rand, i int, dims uint) (string, *coordinate.Coordinate, time.Duration) {
			return nodes[i%5], peerAt(r, dims, 0.5), time.Duration((1 + r.Float64()*300) * float64(time.Millisecond))
		}))

	encoder := json.NewEncoder(os.Stdout)
	encoder.SetIndent("", " ")
	if err := encoder.Encode(scenarios); err != nil {
		panic(err)
	}
}
